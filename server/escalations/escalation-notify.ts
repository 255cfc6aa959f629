import { eq } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { escalationHeld, escalationNotices, rigs } from '../../schema/town';
import type { TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import type { EventType } from '../core/event-shape';
import { logEvent } from '../core/log';
import { CHANNEL_ORDER, type Channel } from '../notify/channel';
import { enqueueNotification } from '../notify/outbox';
import { channelsFor, effectiveRouting } from './routing';
import { type Escalation, type EscalationRow, toEscalation } from './shape';

/** The routings of an escalation: each is an event, and the notifications it causes carry that event's id. */
export type EscalationEventType = 'escalation.raised' | 'escalation.reescalated' | 'escalation.upgraded' | 'escalation.resumed';

/** Event ids of rows routed before the event log (`esc:<id>:<n>`, n = 0 for the raise, then per bump). */
export const legacyEventIds = (row: Pick<EscalationRow, 'id' | 'reEscalationCount'>) =>
  Array.from({ length: row.reEscalationCount + 1 }, (_, n) => `esc:${row.id}:${n}`);

/** The name of the escalation's source rig (the watchdog raises for sources that are not rigs: the id). */
export function sourceRigName(ctx: TownContext, escalation: Pick<Escalation, 'sourceRigId'>): string {
  return ctx.db.select({ name: rigs.name }).from(rigs).where(eq(rigs.id, escalation.sourceRigId)).get()?.name ?? escalation.sourceRigId;
}

const isRig = (ctx: TownContext, id: string) => ctx.db.select({ id: rigs.id }).from(rigs).where(eq(rigs.id, id)).get() !== undefined;

/**
 * Appends an event about one escalation: its rig as `rigId` when the source is a registered rig, and
 * the convoy (and bead) it names, so `convoy.timeline` tells the escalations of a convoy.
 */
export function appendEscalationEvent(ctx: TownContext, row: EscalationRow, type: EventType, data: JsonObject): string {
  const rigId = isRig(ctx, row.sourceRigId) ? row.sourceRigId : null;
  return appendEvent(ctx, { type, escalationId: row.id, rigId, convoyId: row.convoyId, beadId: row.beadId, data });
}

/** Records that `eventId` told `escalationId` on each of `channels` (for deliveries and the resolved notice). */
export function recordNotices(ctx: TownContext, escalationId: string, eventId: string, channels: readonly Channel[]): void {
  for (const channel of channels) ctx.db.insert(escalationNotices).values({ escalationId, eventId, channel }).onConflictDoNothing().run();
}

/** The operator log line of a routing, whether it notified now, was held for a group, or told nobody. */
export function logRouting(
  ctx: TownContext,
  escalation: Escalation,
  type: EscalationEventType,
  routedTo: readonly Channel[],
  extra: JsonObject = {},
): void {
  const level = escalation.severity === 'low' || escalation.severity === 'medium' ? 'info' : 'warn';
  logEvent(level, type, {
    townId: ctx.townId,
    escalationId: escalation.id,
    severity: escalation.severity,
    originalSeverity: escalation.originalSeverity,
    reEscalationCount: escalation.reEscalationCount,
    sourceRigId: escalation.sourceRigId,
    category: escalation.category,
    routedTo,
    ...extra,
  });
}

/**
 * Tells an escalation, now, at its current severity: an outbox notification carrying `eventId` (the
 * event that caused it) for each channel its severity is routed to. Call inside the transaction that
 * wrote it; grouping.ts decides whether a routing goes out now or waits for a group.
 */
export function notifyEscalation(
  ctx: TownContext,
  row: EscalationRow,
  type: EscalationEventType,
  eventId: string,
  extra: JsonObject = {},
): Channel[] {
  const escalation = toEscalation(row);
  const channels = channelsFor(effectiveRouting(ctx), escalation.severity);
  const data = { townId: ctx.townId, escalation, sourceRigName: sourceRigName(ctx, escalation), ...extra };
  enqueueNotification(ctx, { eventId, type, data, channels });
  recordNotices(ctx, escalation.id, eventId, channels);
  ctx.db.delete(escalationHeld).where(eq(escalationHeld.escalationId, escalation.id)).run();
  return channels;
}

/** The channels that were told of an escalation (by its own notices or a group's), in channel order. */
export function toldChannels(ctx: TownContext, escalationId: string): Channel[] {
  const told = new Set(
    ctx.db
      .select({ channel: escalationNotices.channel })
      .from(escalationNotices)
      .where(eq(escalationNotices.escalationId, escalationId))
      .all()
      .map((n) => n.channel),
  );
  return CHANNEL_ORDER.filter((c) => told.has(c));
}

/**
 * `escalation.resolved` (carrying the resolve event's id) to the channels that were told of it, so a
 * pager or a chat can clear it; a routing still held for a group is dropped (nobody was told, nobody
 * needs clearing). Call in the transaction that resolved it.
 */
export function notifyResolved(ctx: TownContext, row: EscalationRow, eventId: string, channels: readonly Channel[]): void {
  ctx.db.delete(escalationHeld).where(eq(escalationHeld.escalationId, row.id)).run();
  if (channels.length === 0) return;
  const escalation = toEscalation(row);
  const data = { townId: ctx.townId, escalation, sourceRigName: sourceRigName(ctx, escalation) };
  enqueueNotification(ctx, { eventId, type: 'escalation.resolved', data, channels });
  recordNotices(ctx, row.id, eventId, channels);
}
