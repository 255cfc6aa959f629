import { sql } from 'drizzle-orm';
import { jsonChunks } from '../core/bulk-json';
import { logEvent } from '../core/log';
import type { RigContext } from './rig-context';

// A convoy's dependencies as the rig sees them: a bead waiting on one is stored `blocked` (out of the
// claim queue, `beads_claimable_priority_idx`); the town tells the rig when to release it, or to skip it because
// a dependency failed for good. The town already counted those skips: the rig does not report them.
// Both answer how many named beads it does not hold yet, so the town retries until they arrived.

/** The town's convoy.retryFailed reopens these too (blocked again: the failed dependency is open). */
export const DEPENDENCY_FAILED_PREFIX = 'dependency_failed: ';

// The updates below name their beads by id: `+convoy_id` keeps SQLite off `beads_convoy_idx`, which would
// read every bead the convoy has in this rig for each release (O(convoy), not O(released)).

function held(ctx: RigContext, chunk: string): number {
  return ctx.db.get<{ n: number }>(sql`select count(*) as n from beads where id in (select value from json_each(${chunk}))`)?.n ?? 0;
}

/** Releases the beads: claimable from now (those still open). Idempotent. */
export function unblockBeads(ctx: RigContext, convoyId: string, beadIds: readonly string[]): { missing: number } {
  const at = ctx.now().toISOString();
  return ctx.db.transaction(() => {
    let found = 0;
    for (const chunk of jsonChunks(beadIds)) {
      found += held(ctx, chunk);
      ctx.db.run(
        sql`update beads set blocked = 0, claimable_since = ${at} where id in (select value from json_each(${chunk})) and +convoy_id = ${convoyId} and blocked = 1`,
      );
    }
    logEvent('info', 'rig.beads_released', { rigId: ctx.rigId, convoyId, released: beadIds.length, missing: beadIds.length - found });
    return { missing: beadIds.length - found };
  });
}

/** Closes the beads `skipped` with the town's reason (`dependency_failed: <beadId>`). Idempotent. */
export function skipBeads(ctx: RigContext, convoyId: string, beadIds: readonly string[], reason: string): { missing: number } {
  const at = ctx.now().toISOString();
  return ctx.db.transaction(() => {
    let found = 0;
    for (const chunk of jsonChunks(beadIds)) {
      found += held(ctx, chunk);
      ctx.db.run(sql`update beads set status = 'closed', outcome = 'skipped', close_reason = 'done', closed_at = ${at}, reason = ${reason},
          blocked = 0, held_by = null, lease_expires_at = null, retry_at = null, last_result = 'skipped'
        where id in (select value from json_each(${chunk})) and +convoy_id = ${convoyId} and status != 'closed'`);
    }
    logEvent('info', 'rig.beads_skipped', { rigId: ctx.rigId, convoyId, skipped: beadIds.length, missing: beadIds.length - found, reason });
    return { missing: beadIds.length - found };
  });
}

/** convoy.retryFailed: the convoy's beads skipped because a dependency failed open again, blocked. */
export function reopenSkippedDependents(ctx: RigContext, convoyId: string): number {
  return ctx.db.all(sql`update beads set status = 'open', outcome = null, close_reason = null, closed_at = null, attempt = 0,
      retry_at = null, last_result = null, reason = null, blocked = 1
    where convoy_id = ${convoyId} and outcome = 'skipped' and reason like ${`${DEPENDENCY_FAILED_PREFIX}%`} returning id`).length;
}
