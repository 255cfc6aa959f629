import { eq } from 'drizzle-orm';
import { escalationHeld, escalationNotices, escalations, rigs } from '../../schema/town';
import { logEvent } from '../log';
import { CHANNEL_ORDER, type Channel } from '../notify/channel';
import { enqueueNotification } from '../notify/outbox';
import { channelsFor, effectiveRouting } from '../notify/routing';
import type { TownContext } from '../town/context';
import { type Escalation, type EscalationRow, routingsOf, toEscalation } from './shape';

export type EscalationEventType = 'escalation.raised' | 'escalation.reescalated' | 'escalation.upgraded';

/** The outbox event id of an escalation's n-th routing (0 = raised): stable, so retries de-duplicate. */
export const escalationEventId = (escalationId: string, routing: number) => `esc:${escalationId}:${routing}`;
/** The event id of its `escalation.resolved` notice: one per escalation, as it resolves once. */
export const resolvedEventId = (escalationId: string) => `esc:${escalationId}:resolved`;

/** The name of the escalation's source rig (the watchdog raises for sources that are not rigs: the id). */
export function sourceRigName(ctx: TownContext, escalation: Pick<Escalation, 'sourceRigId'>): string {
  return ctx.db.select({ name: rigs.name }).from(rigs).where(eq(rigs.id, escalation.sourceRigId)).get()?.name ?? escalation.sourceRigId;
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
  extra: Record<string, unknown> = {},
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
 * Routes an escalation at its current severity, now: one structured log line always, plus an outbox
 * notification (`esc:<id>:<n>`) for each channel its severity is routed to. Call inside the transaction
 * that wrote it. grouping.ts decides whether a routing goes out now or waits for a group.
 */
export function notifyEscalation(
  ctx: TownContext,
  row: EscalationRow,
  type: EscalationEventType,
  extra: Record<string, unknown> = {},
): Channel[] {
  const escalation = toEscalation(row);
  const channels = channelsFor(effectiveRouting(ctx), escalation.severity);
  const routing = routingsOf(row);
  const eventId = escalationEventId(escalation.id, routing);
  const data = { townId: ctx.townId, escalation, sourceRigName: sourceRigName(ctx, escalation), ...extra };
  enqueueNotification(ctx, { eventId, type, data, channels });
  recordNotices(ctx, escalation.id, eventId, channels);
  ctx.db
    .update(escalations)
    .set({ routings: routing + 1 })
    .where(eq(escalations.id, escalation.id))
    .run();
  ctx.db.delete(escalationHeld).where(eq(escalationHeld.escalationId, escalation.id)).run();
  logRouting(ctx, escalation, type, channels, extra);
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
 * `escalation.resolved` to the channels that were told of it, so a pager or a chat can clear it; a
 * routing still held for a group is dropped (nobody was told, nobody needs clearing). Call in the
 * transaction that resolved it.
 */
export function notifyResolved(ctx: TownContext, row: EscalationRow): Channel[] {
  ctx.db.delete(escalationHeld).where(eq(escalationHeld.escalationId, row.id)).run();
  const channels = toldChannels(ctx, row.id);
  if (channels.length === 0) return channels;
  const escalation = toEscalation(row);
  const eventId = resolvedEventId(row.id);
  const data = { townId: ctx.townId, escalation, sourceRigName: sourceRigName(ctx, escalation) };
  enqueueNotification(ctx, { eventId, type: 'escalation.resolved', data, channels });
  recordNotices(ctx, row.id, eventId, channels);
  return channels;
}
