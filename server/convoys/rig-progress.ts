import { type SQL, sql } from 'drizzle-orm';
import { convoys, type RigProgressEntry } from '../../schema/town';
import { CLOSE_SKETCH_LOG_GAMMA } from './close-sketch';

// Per-rig progress of a convoy and its close-time sketch live as JSON on the convoy's own row
// (`rig_progress` {rigId: [total, closed]}, `close_ms_sketch` {bucket: count}). Every add and close
// already updates that row, so keeping them costs no extra row written, and `convoy.get` reads one row
// whatever the number of beads. These are SQL fragments for the adding and closing UPDATEs.

export type RigProgressColumn = Record<string, RigProgressEntry>;
type Outcome = 'done' | 'failed' | 'skipped';

/** Beads per rig in `rigIds` (one entry per bead). */
function countByRig(rigIds: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const rigId of rigIds) counts.set(rigId, (counts.get(rigId) ?? 0) + 1);
  return counts;
}

/** A JSON path to one rig's entry (rig ids are the registry's UUIDs: nothing in them needs escaping). */
const rigPath = (rigId: string, index?: 0 | 1 | 2 | 3) => `$.${JSON.stringify(rigId)}${index === undefined ? '' : `[${index}]`}`;

/** `rig_progress` of a new convoy holding `rigIds` (one entry per bead). */
export function initialRigProgress(rigIds: readonly string[]): RigProgressColumn {
  return Object.fromEntries([...countByRig(rigIds)].map(([rigId, n]) => [rigId, [n, 0, 0, 0]]));
}

/** The new `rig_progress` after adding beads of `rigIds` (one entry per bead): one json_set over the rigs named. */
export function addToRigProgress(rigIds: readonly string[]): SQL {
  const column = convoys.rigProgress;
  const pairs = [...countByRig(rigIds)].map(
    ([rigId, n]) =>
      sql`${rigPath(rigId)}, json_array(coalesce(json_extract(${column}, ${rigPath(rigId, 0)}), 0) + ${n}, ${kept(rigId, 1)}, ${kept(rigId, 2)}, ${kept(rigId, 3)})`,
  );
  return pairs.length === 0 ? sql`${column}` : sql`json_set(${column}, ${sql.join(pairs, sql`, `)})`;
}

const kept = (rigId: string, index: 0 | 1 | 2 | 3) => sql`coalesce(json_extract(${convoys.rigProgress}, ${rigPath(rigId, index)}), 0)`;

/**
 * The new `rig_progress` after one close of the rig's bead with `outcome`. The failed and skipped
 * counts are set in order, so a two-element entry from before outcomes grows to four.
 */
export function closeInRigProgress(rigId: string, outcome: Outcome = 'done'): SQL {
  const column = convoys.rigProgress;
  const failed = outcome === 'failed' ? 1 : 0;
  const skipped = outcome === 'skipped' ? 1 : 0;
  return sql`json_set(${column}, ${rigPath(rigId, 1)}, ${kept(rigId, 1)} + 1, ${rigPath(rigId, 2)}, ${kept(rigId, 2)} + ${failed}, ${rigPath(rigId, 3)}, ${kept(rigId, 3)} + ${skipped})`;
}

/**
 * The new `rig_progress` after reopening `n` failed beads of each rig (convoy.retryFailed), and the
 * beads skipped because a dependency failed (`skippedByRig`).
 */
export function reopenFailedInRigProgress(
  failedByRig: ReadonlyMap<string, number>,
  skippedByRig: ReadonlyMap<string, number> = new Map(),
): SQL {
  const column = convoys.rigProgress;
  const rigs = new Set([...failedByRig.keys(), ...skippedByRig.keys()]);
  const pairs = [...rigs].map((rigId) => {
    const failed = failedByRig.get(rigId) ?? 0;
    const skipped = skippedByRig.get(rigId) ?? 0;
    return sql`${rigPath(rigId, 1)}, ${kept(rigId, 1)} - ${failed + skipped}, ${rigPath(rigId, 2)}, ${kept(rigId, 2)} - ${failed}, ${rigPath(rigId, 3)}, ${kept(rigId, 3)} - ${skipped}`;
  });
  return pairs.length === 0 ? sql`${column}` : sql`json_set(${column}, ${sql.join(pairs, sql`, `)})`;
}

/** The new `rig_progress` after closing `n` beads of each rig `skipped` at once (a dependency failed). */
export function skipInRigProgress(skippedByRig: ReadonlyMap<string, number>): SQL {
  const column = convoys.rigProgress;
  const pairs = [...skippedByRig].map(
    ([rigId, n]) =>
      sql`${rigPath(rigId, 1)}, ${kept(rigId, 1)} + ${n}, ${rigPath(rigId, 2)}, ${kept(rigId, 2)}, ${rigPath(rigId, 3)}, ${kept(rigId, 3)} + ${n}`,
  );
  return pairs.length === 0 ? sql`${column}` : sql`json_set(${column}, ${sql.join(pairs, sql`, `)})`;
}

/**
 * The new `close_ms_sketch` after one close at `closedAt`: the bucket of the time since the row's
 * `created_at` is computed in the same UPDATE (the row is not read first), as sketchBucket() does.
 */
export function closeInSketch(closedAt: string): SQL {
  const column = convoys.closeMsSketch;
  const ms = sql`((julianday(${closedAt}) - julianday(${convoys.createdAt})) * 86400000.0)`;
  const bucket = sql`(case when ${ms} >= 1 then cast(ceil(ln(${ms}) / ${CLOSE_SKETCH_LOG_GAMMA}) as integer) + 1 else 0 end)`;
  const path = sql`'$."' || ${bucket} || '"'`;
  return sql`json_set(${column}, ${path}, coalesce(json_extract(${column}, ${path}), 0) + 1)`;
}
