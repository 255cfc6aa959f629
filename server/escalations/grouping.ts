import { and, eq, isNull } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { escalationGroupState, escalationHeld, escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { scheduleTask, type TaskResult } from '../core/scheduler';
import { CHANNEL_ORDER, type Channel } from '../notify/channel';
import { enqueueNotification } from '../notify/outbox';
import {
  appendEscalationEvent,
  type EscalationEventType,
  logRouting,
  notifyEscalation,
  recordNotices,
  sourceRigName,
} from './escalation-notify';
import { channelsFor, type EffectiveRouting, effectiveRouting } from './routing';
import { type EscalationRow, toEscalation } from './shape';

// Grouped notifications (Alertmanager's group_wait / group_interval, one group per town). The first
// non-critical routing of a quiet period is held `groupWaitSeconds`; whatever else is routed by then
// goes out with it as one notification per channel. After a group went out, later routings wait until
// `groupIntervalSeconds` after it. Critical escalations are never held. A held routing is a row in
// `escalation_held` (one per escalation), and the flush is one scheduled task, so both survive eviction.

export const GROUP_FLUSH_TASK_KIND = 'escalation.group_flush';
const FLUSH_TASK_ID = 'escalation.group_flush';
const GROUP_STATE_ROW_ID = 1;

/** When the held routings go out, for a routing held at `nowMs`. Pure. */
export function groupFlushDueAtMs(
  nowMs: number,
  lastFlushAtMs: number | null,
  settings: Pick<EffectiveRouting, 'groupWaitSeconds' | 'groupIntervalSeconds'>,
): number {
  const intervalMs = settings.groupIntervalSeconds * 1_000;
  // A quiet period: nothing went out within the interval, so this one opens a group and waits for company.
  if (lastFlushAtMs === null || nowMs - lastFlushAtMs >= intervalMs) return nowMs + settings.groupWaitSeconds * 1_000;
  return lastFlushAtMs + intervalMs;
}

function lastFlushAtMs({ db }: TownContext): number | null {
  const at = db.select().from(escalationGroupState).where(eq(escalationGroupState.id, GROUP_STATE_ROW_ID)).get()?.lastFlushAt;
  return at ? Date.parse(at) : null;
}

/**
 * Routes an escalation: nobody while it is silenced or inhibited; now when it is critical or grouping
 * is off; otherwise held for the town's next group. Either way the routing is an event (`type`), and
 * notifications sent now carry its id. Returns the channels it is (or will be) told on. Call inside the
 * transaction that wrote it.
 */
export function routeEscalation(ctx: TownContext, row: EscalationRow, type: EscalationEventType, extra: JsonObject = {}): Channel[] {
  const escalation = toEscalation(row);
  const facts = {
    severity: row.severity,
    originalSeverity: escalation.originalSeverity,
    reEscalationCount: row.reEscalationCount,
    category: row.category,
    ...extra,
  };
  if (row.silencedBy || row.inhibitedBy) {
    const quiet = { ...facts, routedTo: [], silencedBy: row.silencedBy, inhibitedBy: row.inhibitedBy };
    appendEscalationEvent(ctx, row, type, quiet);
    logRouting(ctx, escalation, type, [], quiet);
    return [];
  }
  const routing = effectiveRouting(ctx);
  const channels = channelsFor(routing, row.severity);
  if (row.severity === 'critical' || routing.groupWaitSeconds === 0 || channels.length === 0) {
    const eventId = appendEscalationEvent(ctx, row, type, { ...facts, routedTo: channels });
    notifyEscalation(ctx, row, type, eventId, extra);
    logRouting(ctx, escalation, type, channels, extra);
    return channels;
  }
  const now = ctx.now();
  // The first routing held keeps its type: "raised" says more than a later bump of the same escalation.
  ctx.db
    .insert(escalationHeld)
    .values({ escalationId: row.id, type, heldAt: iso(now) })
    .onConflictDoNothing()
    .run();
  const dueAt = groupFlushDueAtMs(now.getTime(), lastFlushAtMs(ctx), routing);
  // An existing flush keeps the earlier due time: joining a group never delays it.
  scheduleTask(ctx.db, { id: FLUSH_TASK_ID, kind: GROUP_FLUSH_TASK_KIND, dueAt });
  const held = { ...facts, routedTo: channels, heldUntil: iso(new Date(dueAt)) };
  appendEscalationEvent(ctx, row, type, held);
  logRouting(ctx, escalation, type, channels, held);
  return channels;
}

/**
 * The `escalation.group_flush` task: sends every held routing whose escalation is still unresolved and
 * not silenced or inhibited, as one `escalation.grouped` event. One alone goes out as its own
 * notification; two or more as one `escalation.group` per channel, listing the escalations routed to
 * that channel. Either way the notifications carry the grouped event's id.
 */
export function flushGroupTask(ctx: TownContext): TaskResult {
  ctx.db.transaction(() => {
    const held = ctx.db.select().from(escalationHeld).all();
    if (held.length === 0) return;
    const typeOf = new Map(held.map((h) => [h.escalationId, h.type as EscalationEventType]));
    // A join, not an id list: a group can hold more escalations than a statement can bind parameters.
    const members = ctx.db
      .select({ row: escalations })
      .from(escalationHeld)
      .innerJoin(escalations, eq(escalations.id, escalationHeld.escalationId))
      .where(and(isNull(escalations.resolvedAt), isNull(escalations.silencedBy), isNull(escalations.inhibitedBy)))
      .orderBy(escalations.createdAt, escalations.id)
      .all()
      .map((m) => m.row);
    ctx.db.delete(escalationHeld).run();
    if (members.length === 0) return;
    const state = { id: GROUP_STATE_ROW_ID, lastFlushAt: iso(ctx.now()) };
    ctx.db.insert(escalationGroupState).values(state).onConflictDoUpdate({ target: escalationGroupState.id, set: state }).run();
    const [only] = members;
    if (members.length === 1 && only) {
      const type = typeOf.get(only.id) ?? 'escalation.raised';
      const channels = channelsFor(effectiveRouting(ctx), only.severity);
      const eventId = appendEscalationEvent(ctx, only, 'escalation.grouped', { count: 1, routedTo: channels });
      notifyEscalation(ctx, only, type, eventId);
      logEvent('info', 'escalation.group_sent', { townId: ctx.townId, eventId, escalations: 1, routedTo: channels });
      return;
    }
    sendGroup(ctx, members, typeOf);
  });
  return undefined;
}

function sendGroup(ctx: TownContext, members: EscalationRow[], typeOf: Map<string, EscalationEventType>): void {
  const routing = effectiveRouting(ctx);
  const byChannel = new Map<Channel, EscalationRow[]>();
  for (const row of members) {
    for (const channel of channelsFor(routing, row.severity)) byChannel.set(channel, [...(byChannel.get(channel) ?? []), row]);
  }
  const sent = CHANNEL_ORDER.filter((c) => byChannel.get(c)?.length);
  // Counts only: the log stays small however large the group (the escalations list their notices).
  const eventId = appendEvent(ctx, { type: 'escalation.grouped', data: { count: members.length, routedTo: sent } });
  for (const channel of sent) {
    const rows = byChannel.get(channel) ?? [];
    const listed = rows.map((row) => ({
      ...toEscalation(row),
      event: typeOf.get(row.id) ?? 'escalation.raised',
      sourceRigName: sourceRigName(ctx, row),
    }));
    // One event id for the group on every channel (each channel's row lists what that channel is told).
    enqueueNotification(ctx, {
      eventId,
      type: 'escalation.group',
      data: { townId: ctx.townId, count: listed.length, escalations: listed },
      channels: [channel],
    });
    for (const row of rows) recordNotices(ctx, row.id, eventId, [channel]);
  }
  logEvent('info', 'escalation.group_sent', { townId: ctx.townId, eventId, escalations: members.length, routedTo: sent });
}
