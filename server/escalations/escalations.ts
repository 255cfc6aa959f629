import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { escalations, events } from '../../schema/town';
import { DomainError, notFound } from '../errors';
import { appendEvent } from '../events/log';
import { eventIdOf } from '../events/shape';
import { logEvent } from '../log';
import { CHANNEL_ORDER, type Channel } from '../notify/channel';
import { type Delivery, deliveriesOf } from '../notify/delivery';
import { DEFAULT_PAGE_SIZE, olderThanCursor, type Page, toPage } from '../pagination';
import { getRig } from '../rigs/registry';
import type { Severity } from '../severity';
import { iso, type TownContext } from '../town/context';
import { notifyEscalation } from './escalation-notify';
import { cancelReEscalation, scheduleReEscalation } from './reescalation-task';
import { type Escalation, type EscalationRow, toEscalation } from './shape';

export type { Escalation } from './shape';

export interface RaiseEscalationInput {
  sourceRigId: string;
  sourceAgentId?: string;
  severity: Severity;
  category?: string;
  message: string;
  /** The same key returns the first escalation raised with it (a caller's retry after a lost answer). */
  idempotencyKey?: string;
}

/**
 * Records an escalation, routes it by severity (its outbox notifications are written in the same
 * transaction) and schedules its re-escalation. Does not check that the source is a registered rig:
 * the watchdog raises for the Town Container (`sourceRigId: 'town-container'`).
 */
export function raiseEscalation(ctx: TownContext, input: RaiseEscalationInput): { escalation: Escalation; routedTo: Channel[] } {
  const message = input.message.trim();
  if (!message) throw new DomainError('BAD_REQUEST', 'message: must not be empty');
  const row: EscalationRow = {
    id: crypto.randomUUID(),
    sourceRigId: input.sourceRigId,
    sourceAgentId: input.sourceAgentId ?? null,
    severity: input.severity,
    originalSeverity: input.severity,
    category: input.category ?? null,
    message,
    acknowledged: false,
    reEscalationCount: 0,
    createdAt: iso(ctx.now()),
    acknowledgedAt: null,
    acknowledgedBy: null,
    lastReEscalatedAt: null,
    idempotencyKey: input.idempotencyKey ?? null,
  };
  const escalation = toEscalation(row);
  return ctx.db.transaction(() => {
    const first = input.idempotencyKey ? findByKey(ctx, input.idempotencyKey) : undefined;
    if (first) return first;
    ctx.db.insert(escalations).values(row).run();
    const routedTo = notifyEscalation(ctx, escalation, 'escalation.raised');
    scheduleReEscalation(ctx, escalation);
    return { escalation, routedTo };
  });
}

/** The escalation first raised with `key`, and the channels it was routed to (from its outbox rows). */
function findByKey(ctx: TownContext, key: string): { escalation: Escalation; routedTo: Channel[] } | undefined {
  const row = ctx.db.select().from(escalations).where(eq(escalations.idempotencyKey, key)).get();
  if (!row) return undefined;
  const channels = new Set(deliveriesOf(ctx, routingEventIds(ctx, row.id).slice(0, 1)).map((d) => d.channel));
  return { escalation: toEscalation(row), routedTo: CHANNEL_ORDER.filter((c) => channels.has(c)) };
}

/** `escalation.raise`: as raiseEscalation, for a rig that must be registered in this town (else NOT_FOUND). */
export function raiseFromRig(ctx: TownContext, input: RaiseEscalationInput) {
  getRig(ctx, input.sourceRigId);
  return raiseEscalation(ctx, input);
}

function findRow({ db }: TownContext, escalationId: string): EscalationRow {
  const row = db.select().from(escalations).where(eq(escalations.id, escalationId)).get();
  if (!row) throw notFound('escalation', escalationId);
  return row;
}

export function getEscalation(ctx: TownContext, escalationId: string): Escalation {
  return toEscalation(findRow(ctx, escalationId));
}

/** Acknowledges once: later calls change nothing and return the first `acknowledgedAt` and `acknowledgedBy`. */
export function acknowledgeEscalation(ctx: TownContext, input: { escalationId: string; by?: string }): Escalation {
  return ctx.db.transaction(() => {
    const updated = ctx.db
      .update(escalations)
      .set({ acknowledged: true, acknowledgedAt: iso(ctx.now()), acknowledgedBy: input.by ?? null })
      .where(and(eq(escalations.id, input.escalationId), eq(escalations.acknowledged, false)))
      .returning()
      .get();
    if (!updated) return getEscalation(ctx, input.escalationId);
    cancelReEscalation(ctx, updated.id);
    appendEvent(ctx, { type: 'escalation.acknowledged', escalationId: updated.id, data: { severity: updated.severity } });
    logEvent('info', 'escalation.acknowledged', { townId: ctx.townId, escalationId: updated.id, by: updated.acknowledgedBy });
    return toEscalation(updated);
  });
}

export interface EscalationFilter {
  acknowledged?: boolean;
  severity?: Severity;
  limit?: number;
  cursor?: string;
}

/** Newest first, in pages. `severity` filters on the current (possibly re-escalated) severity. */
export function listEscalations({ db }: TownContext, filter: EscalationFilter): Page<Escalation> {
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  const rows = db
    .select()
    .from(escalations)
    .where(
      and(
        filter.acknowledged === undefined ? undefined : eq(escalations.acknowledged, filter.acknowledged),
        filter.severity === undefined ? undefined : eq(escalations.severity, filter.severity),
        olderThanCursor(escalations.createdAt, escalations.id, filter.cursor),
      ),
    )
    .orderBy(desc(escalations.createdAt), desc(escalations.id))
    .limit(limit + 1)
    .all();
  return toPage(rows, limit, (r) => ({ at: r.createdAt, id: r.id }), toEscalation);
}

/** Every notification sent for an escalation (its raise and each re-escalation), with delivery state. */
export function escalationDeliveries(ctx: TownContext, escalationId: string): Delivery[] {
  const row = findRow(ctx, escalationId);
  return deliveriesOf(ctx, routingEventIds(ctx, row.id));
}

/**
 * The ids of the escalation's routings (its raise, then each re-escalation), oldest first: the events
 * whose notifications carry them. Read through the log's escalation index; pruned events are gone.
 */
function routingEventIds({ db }: TownContext, escalationId: string): string[] {
  return db
    .select({ seq: events.seq })
    .from(events)
    .where(and(eq(events.escalationId, escalationId), inArray(events.type, ['escalation.raised', 'escalation.reescalated'])))
    .orderBy(asc(events.seq))
    .all()
    .map((r) => eventIdOf(r.seq));
}
