import { eq, sql } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import { jsonChunks } from '../core/bulk-json';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import { scheduleTask } from '../core/scheduler';
import type { TownDb } from '../core/town-db';
import type { EarlierBead, EarlierLookup } from './dependency-plan';
import { skipInRigProgress } from './rig-progress';

// Dependencies between a convoy's beads, on the town's side. Edges live in `convoy_bead_deps` keyed by
// the dependency, so a close finds its dependents along the primary key: O(dependents) rows. A bead
// counts its unfinished dependencies (`waiting_on`); when that reaches 0 it is released, and each rig
// holding released beads is told by one durable task per close (not one per bead), tried at once after
// the close commits. A dependency that fails for good skips its dependents, transitively, the same way.

export const UNBLOCK_TASK_KIND = 'convoy.unblockBeads';
export const SKIP_TASK_KIND = 'convoy.skipBeads';

export interface RigBeadsTask {
  convoyId: string;
  rigId: string;
  beadIds: string[];
  reason?: string;
}

export const dependencyFailedReason = (beadId: string) => `dependency_failed: ${beadId}`;

/** The convoy's earlier beads, looked up by the names a call gives (keys along their unique index, ids along the key). */
export function earlierLookup(db: TownDb, convoyId: string): EarlierLookup {
  return {
    keysTaken: (keys) => {
      const taken = new Set<string>();
      for (const chunk of jsonChunks(keys))
        for (const row of db.all<{ key: string }>(
          sql`select key from convoy_beads where convoy_id = ${convoyId} and key in (select value from json_each(${chunk}))`,
        ))
          taken.add(row.key);
      return taken;
    },
    byName: (names) => {
      const found = new Map<string, EarlierBead>();
      for (const chunk of jsonChunks(names)) {
        const rows = db.all<{ bead_id: string; key: string | null; status: string; outcome: string | null; wave: number }>(
          sql`select bead_id, key, status, outcome, wave from convoy_beads where convoy_id = ${convoyId}
            and (key in (select value from json_each(${chunk})) or bead_id in (select value from json_each(${chunk})))`,
        );
        for (const row of rows) {
          const bead = { beadId: row.bead_id, key: row.key, wave: row.wave, finished: row.status === 'closed' && row.outcome !== 'failed' };
          if (row.key !== null) found.set(row.key, bead);
          found.set(row.bead_id, bead);
        }
      }
      return found;
    },
  };
}

/** Writes the call's edges, a chunk per statement. */
export function insertEdges(db: TownDb, convoyId: string, edges: readonly [string, string][]): void {
  for (const chunk of jsonChunks(edges))
    db.run(sql`insert into convoy_bead_deps (convoy_id, dependency_id, dependent_id)
      select ${convoyId}, value ->> 0, value ->> 1 from json_each(${chunk}) where true on conflict do nothing`);
}

function byRig(rows: readonly { bead_id: string; rig_id: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const row of rows) groups.set(row.rig_id, [...(groups.get(row.rig_id) ?? []), row.bead_id]);
  return groups;
}

/** One task per rig, due now (a close tries its releases at once; the alarm runs the rest and retries). */
function tellRigs(
  ctx: TownContext,
  kind: string,
  convoyId: string,
  cause: string,
  groups: Map<string, string[]>,
  reason?: string,
): string[] {
  const ids: string[] = [];
  for (const [rigId, beadIds] of groups) {
    const id = `convoy.${kind === UNBLOCK_TASK_KIND ? 'unblock' : 'skip'}:${convoyId}:${rigId}:${cause}`;
    const payload: RigBeadsTask = { convoyId, rigId, beadIds, ...(reason ? { reason } : {}) };
    scheduleTask(ctx.db, { id, kind, dueAt: ctx.now().getTime(), payload });
    ids.push(id);
  }
  return ids;
}

/**
 * A dependency closed `done` or `skipped`: its open dependents wait on one fewer; those waiting on none
 * are released. Returns how many were released (the caller takes them off `blocked_beads`) and the
 * release tasks to try at once after the commit.
 */
export function releaseDependents(ctx: TownContext, convoyId: string, beadId: string): { released: number; taskIds: string[] } {
  const rows = ctx.db.all<{ bead_id: string; rig_id: string; waiting_on: number }>(
    sql`update convoy_beads set waiting_on = waiting_on - 1
      where convoy_id = ${convoyId} and status = 'open' and waiting_on > 0
        and bead_id in (select dependent_id from convoy_bead_deps where convoy_id = ${convoyId} and dependency_id = ${beadId})
      returning bead_id, rig_id, waiting_on`,
  );
  const released = rows.filter((r) => r.waiting_on === 0);
  if (released.length === 0) return { released: 0, taskIds: [] };
  const taskIds = tellRigs(ctx, UNBLOCK_TASK_KIND, convoyId, beadId, byRig(released));
  logEvent('info', 'convoy.beads_released', { townId: ctx.townId, convoyId, beadId, released: released.length });
  return { released: released.length, taskIds };
}

/**
 * A dependency failed for good: every open bead waiting on it, transitively, closes `skipped` with
 * reason `dependency_failed: <beadId>`, counted on the convoy row. O(transitive dependents) rows.
 */
export function skipDependents(ctx: TownContext, convoyId: string, beadId: string): number {
  const seen = new Set<string>([beadId]);
  let frontier = [beadId];
  const skipped: { bead_id: string; rig_id: string; waiting_on: number }[] = [];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const chunk of jsonChunks(frontier)) {
      const rows = ctx.db.all<{ dependent_id: string }>(
        sql`select dependent_id from convoy_bead_deps where convoy_id = ${convoyId} and dependency_id in (select value from json_each(${chunk}))`,
      );
      for (const { dependent_id } of rows) {
        if (seen.has(dependent_id)) continue;
        seen.add(dependent_id);
        next.push(dependent_id);
      }
    }
    for (const chunk of jsonChunks(next))
      skipped.push(
        ...ctx.db.all<{ bead_id: string; rig_id: string; waiting_on: number }>(
          sql`update convoy_beads set status = 'closed', outcome = 'skipped', held_by = null, skipped_by = ${beadId}
          where convoy_id = ${convoyId} and status = 'open' and bead_id in (select value from json_each(${chunk}))
          returning bead_id, rig_id, waiting_on`,
        ),
      );
    frontier = next;
  }
  if (skipped.length === 0) return 0;
  const groups = byRig(skipped);
  const perRig = new Map([...groups].map(([rigId, ids]) => [rigId, ids.length]));
  const wereBlocked = skipped.filter((r) => r.waiting_on > 0).length;
  ctx.db
    .update(convoys)
    .set({
      closedBeads: sql`${convoys.closedBeads} + ${skipped.length}`,
      skippedBeads: sql`${convoys.skippedBeads} + ${skipped.length}`,
      blockedBeads: sql`max(${convoys.blockedBeads} - ${wereBlocked}, 0)`,
      rigProgress: skipInRigProgress(perRig),
      lastProgressAt: iso(ctx.now()),
    })
    .where(eq(convoys.id, convoyId))
    .run();
  tellRigs(ctx, SKIP_TASK_KIND, convoyId, beadId, groups, dependencyFailedReason(beadId));
  logEvent('info', 'convoy.dependents_skipped', { townId: ctx.townId, convoyId, beadId, skipped: skipped.length });
  return skipped.length;
}

/**
 * convoy.retryFailed: beads skipped because a dependency failed open again, waiting on their
 * dependencies that are open now (the failed ones reopened first). Returns them by rig.
 */
export function reopenSkippedDependents(
  ctx: TownContext,
  convoyId: string,
): { perRig: Map<string, number>; reopened: number; blocked: number } {
  const rows = ctx.db.all<{ bead_id: string; rig_id: string }>(
    sql`update convoy_beads set status = 'open', outcome = null, attempt = 0, skipped_by = null
      where convoy_id = ${convoyId} and skipped_by is not null returning bead_id, rig_id`,
  );
  const perRig = new Map<string, number>();
  let blocked = 0;
  for (const chunk of jsonChunks(rows.map((r) => r.bead_id)))
    blocked += ctx.db
      .all<{ waiting_on: number }>(
        sql`update convoy_beads set waiting_on = (select count(*) from convoy_beads d
          where d.convoy_id = convoy_beads.convoy_id and d.status = 'open' and d.bead_id in (select value from json_each(convoy_beads.depends_on)))
        where convoy_id = ${convoyId} and bead_id in (select value from json_each(${chunk})) returning waiting_on`,
      )
      .filter((r) => r.waiting_on > 0).length;
  for (const { rig_id } of rows) perRig.set(rig_id, (perRig.get(rig_id) ?? 0) + 1);
  return { perRig, reopened: rows.length, blocked };
}
