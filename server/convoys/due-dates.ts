import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { openByDedupKey } from '../escalations/dedup';
import { raiseEscalation } from '../escalations/escalations';
import { resolveEscalation } from '../escalations/lifecycle';
import { type ConvoyHealth, forecast, nextDueCheckMs } from './forecast';
import { notifyWatchers } from './watchers';

// Due dates: a convoy's health is evaluated from its row (forecast.ts) at once on create, setDue, each
// close and each add, and on the heartbeat for time passing. The alert (`due_alert`) only rises:
// at_risk raises a medium escalation (dedupKey `convoy-due:<convoyId>`), off_track upgrades it to high,
// each rise logs `convoy.at_risk` and tells the watchers. Landing, cancelling (resolveForConvoy: the
// escalation names the convoy) or a later due date resolves it. A forecast that recovers by itself does
// not: a convoy near its line would otherwise raise and resolve on every close and every heartbeat.

/** The escalations' reserved source for what the town itself raises. */
export const TOWN_SOURCE = 'town';
/** The most convoys one heartbeat checks; the rest, still due, are checked by the next. */
export const DUE_CHECKS_PER_HEARTBEAT = 200;

export const dueDedupKey = (convoyId: string) => `convoy-due:${convoyId}`;

type ConvoyRow = typeof convoys.$inferSelect;
type DueAlert = NonNullable<ConvoyRow['dueAlert']>;

const alertOf = (health: ConvoyHealth): DueAlert | null => (health === 'at_risk' || health === 'off_track' ? health : null);
const rank = (alert: DueAlert | null) => (alert === null ? 0 : alert === 'at_risk' ? 1 : 2);

/**
 * Evaluates the convoy's due date as `row` now stands, inside the caller's transaction. Writes nothing
 * unless the alert rises or the next time-based check moves earlier (`refresh`: always stores the next
 * check, as the heartbeat does), so a close whose forecast did not turn costs no row.
 */
export function evaluateDue(ctx: TownContext, row: ConvoyRow, options: { refresh?: boolean } = {}): void {
  if (row.dueAt === null || row.status !== 'active') {
    // Out of the heartbeat's index (landing and cancelling clear it too; this is for a row left behind).
    if (row.dueCheckAt !== null) ctx.db.update(convoys).set({ dueCheckAt: null }).where(eq(convoys.id, row.id)).run();
    return;
  }
  const now = ctx.now();
  const current = forecast(row, now);
  const turned = alertOf(current.health);
  const rises = turned !== null && rank(turned) > rank(row.dueAlert);
  const alert = rises ? turned : row.dueAlert;
  // Once at_risk is raised, only off_track (at the due date) can follow by time alone.
  const checkAt = nextDueCheckMs(row, alert === null ? current.health : alert);
  const earlier = checkAt !== null && (row.dueCheckAt === null || checkAt < row.dueCheckAt);
  if (!rises && !earlier && !options.refresh) return;
  ctx.db.update(convoys).set({ dueAlert: alert, dueCheckAt: checkAt }).where(eq(convoys.id, row.id)).run();
  if (!rises || turned === null) return;
  const data = {
    health: turned,
    dueAt: row.dueAt,
    expectedLandAt: current.expectedLandAt,
    closedBeads: row.closedBeads,
    totalBeads: row.totalBeads,
  };
  const eventId = appendEvent(ctx, { type: 'convoy.at_risk', convoyId: row.id, data });
  logEvent('warn', 'convoy.at_risk', { townId: ctx.townId, convoyId: row.id, ...data });
  raiseEscalation(ctx, {
    sourceRigId: TOWN_SOURCE,
    severity: turned === 'off_track' ? 'high' : 'medium',
    category: 'convoy-due',
    dedupKey: dueDedupKey(row.id),
    convoyId: row.id,
    message:
      turned === 'off_track'
        ? `Convoy "${row.title}" missed its due date ${row.dueAt} (${row.closedBeads}/${row.totalBeads} beads closed)`
        : `Convoy "${row.title}" is at risk: expected to land ${current.expectedLandAt}, after its due date ${row.dueAt}`,
  });
  notifyWatchers(ctx, row, { eventId, type: 'convoy.at_risk', data: { id: row.id, title: row.title, ...data } });
}

/**
 * `convoy.setDue`: a new due date (or none). A later date (or none) resolves the due escalation and
 * starts the alert over; an earlier one keeps it. Then evaluated at once.
 */
export function setDue(ctx: TownContext, input: { convoyId: string; dueAt: string | null }): ConvoyRow {
  return ctx.db.transaction(() => {
    const row = ctx.db.select().from(convoys).where(eq(convoys.id, input.convoyId)).get();
    if (!row) throw notFound('convoy', input.convoyId);
    const dueAt = input.dueAt === null ? null : iso(new Date(input.dueAt));
    const later = dueAt === null || (row.dueAt !== null && Date.parse(dueAt) > Date.parse(row.dueAt));
    if (later) {
      const open = openByDedupKey(ctx, TOWN_SOURCE, dueDedupKey(row.id));
      if (open)
        resolveEscalation(ctx, { escalationId: open.id, by: 'convoy', reason: dueAt ? `due date moved to ${dueAt}` : 'due date removed' });
    }
    const updated = ctx.db
      .update(convoys)
      .set({ dueAt, dueAlert: later ? null : row.dueAlert, dueCheckAt: null })
      .where(eq(convoys.id, row.id))
      .returning()
      .get();
    if (!updated) throw new Error(`convoy ${row.id} vanished inside its own transaction`);
    appendEvent(ctx, { type: 'convoy.due_set', convoyId: row.id, data: { dueAt, previousDueAt: row.dueAt } });
    logEvent('info', 'convoy.due_set', { townId: ctx.townId, convoyId: row.id, dueAt, previousDueAt: row.dueAt });
    evaluateDue(ctx, updated, { refresh: true });
    return ctx.db.select().from(convoys).where(eq(convoys.id, row.id)).get() ?? updated;
  });
}

/**
 * The heartbeat's step: evaluates the active convoys whose next time-based check is due, along
 * `convoys_due_check_idx` (only those rows are read, never every convoy). Returns how many it checked.
 */
export function checkDueDates(ctx: TownContext, limit = DUE_CHECKS_PER_HEARTBEAT): number {
  const nowMs = ctx.now().getTime();
  const due = ctx.db
    .select()
    .from(convoys)
    .where(and(isNotNull(convoys.dueCheckAt), lte(convoys.dueCheckAt, nowMs)))
    .orderBy(asc(convoys.dueCheckAt))
    .limit(limit)
    .all();
  for (const row of due) ctx.db.transaction(() => evaluateDue(ctx, row, { refresh: true }));
  return due.length;
}
