import { and, eq, sql } from 'drizzle-orm';
import { convoyBeads, convoys } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { rowShape } from '../core/sql-row';
import { resolveForConvoy } from '../escalations/lifecycle';
import { enqueueNotification } from '../notify/outbox';
import { type ConvoyContext, deliverNow } from './delivery';
import { releaseDependents, skipDependents } from './dependencies';
import { evaluateDue } from './due-dates';
import { progressMade, stopStrandedCheck } from './progress';
import { closeInRigProgress, closeInSketch } from './rig-progress';
import { convoyFailedKey, raiseTownEscalation } from './town-escalations';
import { type BeadOutcome, type ConvoySummary, toSummary } from './views';
import { notifyWatchers } from './watchers';

// How a convoy ends: each bead's close carries its outcome; when the last bead closes the convoy is
// `landed` if none failed, else `failed` — landed means succeeded. Both settle it (notified once each).

export interface BeadClosedDetails {
  outcome: BeadOutcome;
  attempt: number | null;
  reason: string | null;
  ref: string | null;
  /**
   * The bead's generation as the rig knew it at the close (convoy.retryFailed moves it on, on both sides):
   * a notice from an older generation than the town's row is a late copy from before a retry and counts
   * nothing. Absent (a close by convoy.beadClosed): not checked.
   */
  generation?: number;
}

const OUTCOME_COLUMN = { done: sql.raw('done_beads'), failed: sql.raw('failed_beads'), skipped: sql.raw('skipped_beads') } as const;
const CONVOY_ROW = rowShape(convoys);

/**
 * A rig reports one of the convoy's beads closed with its outcome. O(1) rows: one conditional update
 * of the bead row (so a repeat changes nothing), one counter update of the convoy, and on the last bead
 * the landing or failure.
 */
export function beadClosed(ctx: TownContext, input: BeadClosedInput): ConvoySummary {
  return closeInConvoy(ctx, input).summary;
}

type BeadClosedInput = { convoyId: string; beadId: string } & Partial<BeadClosedDetails>;

/**
 * A rig's close notice (TownDO.onBeadClosed): `beadClosed`, then the release messages it committed are
 * tried at once, one RPC per rig, before the answer (the alarm retries any that fails), so a released
 * bead is claimable when the close that released it returns instead of after the next alarm run.
 */
export async function beadClosedAndReleased(ctx: ConvoyContext, input: BeadClosedInput): Promise<ConvoySummary> {
  const { summary, releaseTaskIds } = closeInConvoy(ctx, input);
  await deliverNow(ctx, releaseTaskIds);
  return summary;
}

/** `beadClosed`, also answering the release tasks it scheduled, for the caller to try at once after the commit. */
export function closeInConvoy(ctx: TownContext, input: BeadClosedInput): { summary: ConvoySummary; releaseTaskIds: string[] } {
  const { db } = ctx;
  let releaseTaskIds: string[] = [];
  const outcome = input.outcome ?? 'done';
  const summary = db.transaction(() => {
    // Templates, not builders: every close runs these (server/core/sql-row.ts says why).
    const attempt = input.attempt === undefined || input.attempt === null ? sql`` : sql`, attempt = ${input.attempt}`;
    const notNewer = input.generation === undefined ? sql`` : sql` and generation <= ${input.generation}`;
    const closed = db.get<{ rigId: string; waitingOn: number } | undefined>(
      sql`update convoy_beads set status = 'closed', outcome = ${outcome}, held_by = null, ref = ${input.ref ?? null}${attempt}
        where convoy_id = ${input.convoyId} and bead_id = ${input.beadId} and status = 'open'${notNewer}
        returning rig_id as rigId, waiting_on as waitingOn`,
    );
    if (!closed) {
      const convoy = db.select().from(convoys).where(eq(convoys.id, input.convoyId)).get();
      if (!convoy) throw notFound('convoy', input.convoyId);
      const bead = db
        .select({ status: convoyBeads.status, generation: convoyBeads.generation })
        .from(convoyBeads)
        .where(and(eq(convoyBeads.convoyId, input.convoyId), eq(convoyBeads.beadId, input.beadId)))
        .get();
      if (!bead) throw new DomainError('NOT_FOUND', `bead ${input.beadId} not found in convoy ${input.convoyId}`);
      if (input.generation !== undefined && bead.generation > input.generation)
        logEvent('info', 'convoy.stale_close_ignored', {
          townId: ctx.townId,
          convoyId: input.convoyId,
          beadId: input.beadId,
          generation: input.generation,
          current: bead.generation,
        });
      return toSummary(convoy); // already closed, or a close from before a retry: counts nothing
    }
    const counter = OUTCOME_COLUMN[outcome];
    const now = iso(ctx.now());
    // The rig's counts and the close-time sketch ride on the same row update (no extra row written).
    // A blocked bead closed by hand is no longer blocked.
    const unblock = closed.waitingOn > 0 ? sql`, blocked_beads = max(blocked_beads - 1, 0)` : sql``;
    const updated = db.get<Record<string, unknown> | undefined>(
      sql`update convoys set closed_beads = closed_beads + 1, ${counter} = ${counter} + 1,
        rig_progress = ${closeInRigProgress(closed.rigId, outcome)}, close_ms_sketch = ${closeInSketch(now)},
        last_progress_at = ${now}${unblock} where id = ${input.convoyId} returning ${CONVOY_ROW.columns}`,
    );
    let convoy = updated && CONVOY_ROW.decode(updated);
    if (!convoy) throw new Error(`convoy_beads row of missing convoy ${input.convoyId}`);
    // Its dependents, only in a convoy that has dependencies (waves > 1): a flat convoy's close reads no more rows.
    const { released, skipped, taskIds } =
      convoy.waves > 1 ? dependentsOf(ctx, input.convoyId, input.beadId, outcome) : { released: 0, skipped: 0, taskIds: [] };
    releaseTaskIds = taskIds;
    if (released + skipped > 0) convoy = db.select().from(convoys).where(eq(convoys.id, input.convoyId)).get() ?? convoy;
    const counts = { closedBeads: convoy.closedBeads, totalBeads: convoy.totalBeads };
    logEvent('info', 'convoy.bead_closed', { townId: ctx.townId, convoyId: convoy.id, beadId: input.beadId, outcome, ...counts });
    const details = { outcome, attempt: input.attempt ?? null, reason: input.reason ?? null, ref: input.ref ?? null };
    appendEvent(ctx, {
      type: 'convoy.bead_closed',
      convoyId: convoy.id,
      beadId: input.beadId,
      rigId: closed.rigId,
      data: { ...counts, ...details, ...(released > 0 ? { released } : {}), ...(skipped > 0 ? { skipped } : {}) },
    });
    resolveForConvoy(ctx, { convoyId: convoy.id, beadId: input.beadId, reason: `bead ${input.beadId} closed` });
    // A cancelled convoy still counts real closes but never settles.
    if (convoy.status !== 'active') return toSummary(convoy);
    if (convoy.totalBeads > 0 && convoy.closedBeads === convoy.totalBeads)
      return convoy.failedBeads > 0 ? fail(ctx, convoy.id) : land(ctx, convoy.id);
    progressMade(ctx, convoy.id, now);
    evaluateDue(ctx, convoy); // from the row just written: no row read, none written unless it turns
    return toSummary(convoy);
  });
  return { summary, releaseTaskIds };
}

/** Releases (done/skipped) or skips (failed for good) the bead's dependents; the counts land on the convoy row. */
function dependentsOf(ctx: TownContext, convoyId: string, beadId: string, outcome: BeadOutcome) {
  if (outcome === 'failed') return { released: 0, skipped: skipDependents(ctx, convoyId, beadId), taskIds: [] };
  const { released, taskIds } = releaseDependents(ctx, convoyId, beadId);
  if (released > 0)
    ctx.db
      .update(convoys)
      .set({ blockedBeads: sql`max(${convoys.blockedBeads} - ${released}, 0)` })
      .where(eq(convoys.id, convoyId))
      .run();
  return { released, skipped: 0, taskIds };
}

/** Marks the convoy `landed` or `failed` (from active) in the caller's transaction. */
function settle(ctx: TownContext, convoyId: string, status: 'landed' | 'failed') {
  const at = iso(ctx.now());
  const row = ctx.db
    .update(convoys)
    // A settled convoy has no due date to check any more (its alert resolves with the rest below).
    .set({
      ...(status === 'landed' ? { status, landedAt: at } : { status, failedAt: at }),
      lastProgressAt: at,
      dueAlert: null,
      dueCheckAt: null,
    })
    .where(and(eq(convoys.id, convoyId), eq(convoys.status, 'active')))
    .returning()
    .get();
  if (!row) throw new Error(`convoy ${convoyId} was not active when it settled`);
  stopStrandedCheck(ctx, convoyId, `convoy ${status}`);
  resolveForConvoy(ctx, { convoyId, reason: `convoy ${status}` });
  return row;
}

/** Marks the convoy landed and enqueues `convoy.landed` in the caller's transaction. */
function land(ctx: TownContext, convoyId: string): ConvoySummary {
  const row = settle(ctx, convoyId, 'landed');
  const summary = toSummary(row);
  logEvent('info', 'convoy.landed', { townId: ctx.townId, convoyId, totalBeads: row.totalBeads });
  // One event per landing (a reopened convoy lands again: a new event); its notifications carry its id.
  const eventId = appendEvent(ctx, {
    type: 'convoy.landed',
    convoyId,
    data: { totalBeads: row.totalBeads, doneBeads: row.doneBeads, skippedBeads: row.skippedBeads },
  });
  enqueueNotification(ctx, { eventId, type: 'convoy.landed', data: { ...summary }, channels: ['mayor', 'webhook'] });
  notifyWatchers(ctx, row, { eventId, type: 'convoy.landed', data: { ...summary } });
  return summary;
}

/**
 * Marks the convoy failed: `convoy.failed` to the Mayor and the webhook (once: one event per failure),
 * and a `high` escalation `convoy-failed:<id>` that routing sends on (email, …).
 */
function fail(ctx: TownContext, convoyId: string): ConvoySummary {
  const row = settle(ctx, convoyId, 'failed');
  const summary = toSummary(row);
  const counts = { totalBeads: row.totalBeads, doneBeads: row.doneBeads, failedBeads: row.failedBeads, skippedBeads: row.skippedBeads };
  logEvent('info', 'convoy.failed', { townId: ctx.townId, convoyId, ...counts });
  const eventId = appendEvent(ctx, { type: 'convoy.failed', convoyId, data: counts });
  enqueueNotification(ctx, { eventId, type: 'convoy.failed', data: { ...summary }, channels: ['mayor', 'webhook'] });
  notifyWatchers(ctx, row, { eventId, type: 'convoy.failed', data: { ...summary } });
  raiseTownEscalation(ctx, {
    dedupKey: convoyFailedKey(convoyId),
    severity: 'high',
    category: 'convoy',
    message: `Convoy "${row.title}" (${convoyId}) failed: ${row.failedBeads} of ${row.totalBeads} beads failed after their attempts. Retry with convoy.retryFailed.`,
    convoyId,
  });
  return summary;
}
