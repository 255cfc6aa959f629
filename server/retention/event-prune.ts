import { asc, lte } from 'drizzle-orm';
import { events } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import { scheduledTask, scheduleTask, type TaskResult } from '../core/scheduler';
import { getSettings } from '../core/settings';
import { DAY_MS } from '../core/time';
import { EVENT_PRUNE_TASK_ID, EVENT_PRUNE_TASK_KIND } from './event-prune-schedule';
import { RETENTION_BATCH_PAUSE_MS, RETENTION_BATCH_ROWS } from './pace';

// Retention: events older than the town's `eventRetentionDays` are deleted by a scheduler task, in
// bounded batches (one batch per alarm run, so a large backlog never holds the DO for long). The newest
// event is always kept: new ids are max(seq) + 1, so keeping it keeps ids from ever going back.

const retentionMs = (ctx: TownContext) => getSettings(ctx).eventRetentionDays * DAY_MS;

/**
 * Deletes up to `batchRows` of the oldest events that are past retention, never the newest. Reads at
 * most `batchRows` rows: the log is in `seq` order and `at` grows with it, so what is expired is a
 * prefix (the scan stops at the first event still kept).
 */
export function pruneEvents(ctx: TownContext, batchRows = RETENTION_BATCH_ROWS): number {
  const cutoff = iso(new Date(ctx.now().getTime() - retentionMs(ctx)));
  const oldest = ctx.db
    .select({ seq: events.seq, at: events.at })
    .from(events)
    .orderBy(asc(events.seq))
    .limit(batchRows + 1)
    .all();
  const expired: number[] = [];
  // Row `batchRows + 1`, when there, proves the ones before it are not the newest.
  for (let i = 0; i < Math.min(oldest.length - 1, batchRows); i++) {
    const row = oldest[i];
    if (!row || row.at >= cutoff) break;
    expired.push(row.seq);
  }
  const through = expired.at(-1);
  if (through === undefined) return 0;
  ctx.db.delete(events).where(lte(events.seq, through)).run();
  return expired.length;
}

/** When the oldest event that may go (any but the newest) passes retention; null when only the newest is left. */
function nextExpiryAt(ctx: TownContext): number | null {
  const [oldest, next] = ctx.db.select({ at: events.at }).from(events).orderBy(asc(events.seq)).limit(2).all();
  return oldest && next ? Date.parse(oldest.at) + retentionMs(ctx) : null;
}

/** Schedules the pruning at the next expiry unless it is scheduled already (on wake-up, first use, each heartbeat). */
export function ensurePruneScheduled(ctx: TownContext): void {
  if (scheduledTask(ctx.db, EVENT_PRUNE_TASK_ID)) return;
  const at = nextExpiryAt(ctx);
  if (at !== null) scheduleTask(ctx.db, { id: EVENT_PRUNE_TASK_ID, kind: EVENT_PRUNE_TASK_KIND, dueAt: at });
}

/** The `events.prune` task: one batch, then the next after the retention pause (a full batch) or at the next expiry. */
export function pruneTask(ctx: TownContext): TaskResult {
  const pruned = pruneEvents(ctx);
  const now = ctx.now().getTime();
  if (pruned > 0) logEvent('info', 'events.pruned', { townId: ctx.townId, pruned });
  if (pruned === RETENTION_BATCH_ROWS) return { retryAt: now + RETENTION_BATCH_PAUSE_MS };
  const next = nextExpiryAt(ctx);
  return next === null ? undefined : { retryAt: Math.max(next, now) };
}
