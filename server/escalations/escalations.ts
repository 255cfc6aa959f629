import { and, desc, eq } from 'drizzle-orm';
import { convoyBeads, convoys, escalationHeld, escalationNotices, escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { DEFAULT_PAGE_SIZE, olderThanCursor, type Page, toPage } from '../core/pagination';
import { takesPart } from '../core/rig-membership';
import { CHANNEL_ORDER, type Channel } from '../notify/channel';
import { type Delivery, deliveriesOf } from '../notify/delivery';
import { getRig } from '../rigs/registry';
import { openByDedupKey, repeatRaise } from './dedup';
import { legacyEventIds, toldChannels } from './escalation-notify';
import { routeEscalation } from './grouping';
import { scheduleReEscalation } from './reescalation-task';
import { channelsFor, effectiveRouting } from './routing';
import type { Severity } from './severity';
import { type Escalation, type EscalationRow, type EscalationStatus, toEscalation } from './shape';
import { matchingSilence } from './silences';

export type { Escalation } from './shape';

export interface RaiseEscalationInput {
  sourceRigId: string;
  sourceAgentId?: string;
  severity: Severity;
  category?: string;
  message: string;
  /** The same key returns the first escalation raised with it (a caller's retry after a lost answer). */
  idempotencyKey?: string;
  /** While an unresolved escalation holds this key, the raise counts on it instead (see dedup.ts). */
  dedupKey?: string;
  /** Resolved when this convoy lands or is cancelled; with `beadId`, when that bead closes. */
  convoyId?: string;
  beadId?: string;
}

export interface RaiseOptions {
  /** The source and dedup key of an escalation that covers this one: while that is open, this one tells nobody. */
  inhibitedUnder?: { sourceRigId: string; dedupKey: string };
}

export interface RaiseResult {
  escalation: Escalation;
  routedTo: Channel[];
  /** True when the raise was folded into an open escalation with the same `dedupKey`. */
  deduplicated: boolean;
}

/**
 * Records an escalation (or counts a repeat of an open one with the same dedup key), routes it by
 * severity — now, held for a group, or to nobody while silenced or inhibited — and schedules its
 * re-escalation, in one transaction. Does not check that the source is a registered rig: the watchdog
 * raises for the Town Container (`sourceRigId: 'town-container'`).
 */
export function raiseEscalation(ctx: TownContext, input: RaiseEscalationInput, options: RaiseOptions = {}): RaiseResult {
  const message = input.message.trim();
  if (!message) throw new DomainError('BAD_REQUEST', 'message: must not be empty');
  if (input.beadId !== undefined && input.convoyId === undefined) throw new DomainError('BAD_REQUEST', 'beadId: needs a convoyId');
  return ctx.db.transaction(() => {
    const first = input.idempotencyKey ? findByKey(ctx, input.sourceRigId, input.idempotencyKey) : undefined;
    if (first) return first;
    if (input.convoyId !== undefined) requireConvoyBead(ctx, input.convoyId, input.beadId);
    const open = input.dedupKey ? openByDedupKey(ctx, input.sourceRigId, input.dedupKey) : undefined;
    if (open) return repeatRaise(ctx, open, input.severity);
    const now = iso(ctx.now());
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
      createdAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      lastReEscalatedAt: null,
      idempotencyKey: input.idempotencyKey ?? null,
      dedupKey: input.dedupKey ?? null,
      occurrences: 1,
      lastSeenAt: now,
      resolvedAt: null,
      resolvedBy: null,
      resolveReason: null,
      status: 'open',
      convoyId: input.convoyId ?? null,
      beadId: input.beadId ?? null,
      silencedBy: null,
      inhibitedBy: options.inhibitedUnder
        ? (openByDedupKey(ctx, options.inhibitedUnder.sourceRigId, options.inhibitedUnder.dedupKey)?.id ?? null)
        : null,
      clockFrom: null,
    };
    row.silencedBy = matchingSilence(ctx, row);
    const { status: _generated, ...values } = row;
    ctx.db.insert(escalations).values(values).run();
    const routedTo = routeEscalation(ctx, row, 'escalation.raised');
    scheduleReEscalation(ctx, row);
    return { escalation: toEscalation(row), routedTo, deduplicated: false };
  });
}

function requireConvoyBead({ db }: TownContext, convoyId: string, beadId: string | undefined): void {
  if (!db.select({ id: convoys.id }).from(convoys).where(eq(convoys.id, convoyId)).get()) throw notFound('convoy', convoyId);
  if (beadId === undefined) return;
  const bead = db
    .select({ id: convoyBeads.beadId })
    .from(convoyBeads)
    .where(and(eq(convoyBeads.convoyId, convoyId), eq(convoyBeads.beadId, beadId)))
    .get();
  if (!bead) throw new DomainError('NOT_FOUND', `bead ${beadId} not found in convoy ${convoyId}`);
}

/** The escalation `sourceRigId` first raised with `key`, and the channels it was (or, held for a group, will be) routed to. */
function findByKey(ctx: TownContext, sourceRigId: string, key: string): RaiseResult | undefined {
  const row = ctx.db
    .select()
    .from(escalations)
    .where(and(eq(escalations.sourceRigId, sourceRigId), eq(escalations.idempotencyKey, key)))
    .get();
  if (!row) return undefined;
  const channels = new Set([
    ...deliveriesOf(ctx, legacyEventIds({ id: row.id, reEscalationCount: 0 })).map((d) => d.channel),
    ...toldChannels(ctx, row.id),
    ...(ctx.db.select().from(escalationHeld).where(eq(escalationHeld.escalationId, row.id)).get()
      ? channelsFor(effectiveRouting(ctx), row.severity)
      : []),
  ]);
  return { escalation: toEscalation(row), routedTo: CHANNEL_ORDER.filter((c) => channels.has(c)), deduplicated: false };
}

/**
 * `escalation.raise`: as raiseEscalation, for a rig that must be registered in this town (else
 * NOT_FOUND). `narrowTo` (a rig token's rig) may name only a convoy it takes part in and a bead of its
 * own there: anything else is NOT_FOUND for it, decided before anything is written.
 */
export function raiseFromRig(ctx: TownContext, input: RaiseEscalationInput, narrowTo: string | null = null): RaiseResult {
  getRig(ctx, input.sourceRigId);
  if (narrowTo !== null && input.convoyId !== undefined) requireOwnConvoyBead(ctx, narrowTo, input.convoyId, input.beadId);
  return raiseEscalation(ctx, input);
}

function requireOwnConvoyBead({ db }: TownContext, rigId: string, convoyId: string, beadId: string | undefined): void {
  if (!takesPart(db, convoyId, rigId)) throw notFound('convoy', convoyId);
  if (beadId === undefined) return;
  const bead = db
    .select({ rigId: convoyBeads.rigId })
    .from(convoyBeads)
    .where(and(eq(convoyBeads.convoyId, convoyId), eq(convoyBeads.beadId, beadId)))
    .get();
  if (bead?.rigId !== rigId) throw new DomainError('NOT_FOUND', `bead ${beadId} not found in convoy ${convoyId}`);
}

function findRow({ db }: TownContext, escalationId: string): EscalationRow {
  const row = db.select().from(escalations).where(eq(escalations.id, escalationId)).get();
  if (!row) throw notFound('escalation', escalationId);
  return row;
}

export function getEscalation(ctx: TownContext, escalationId: string): Escalation {
  return toEscalation(findRow(ctx, escalationId));
}

export interface EscalationFilter {
  status?: EscalationStatus;
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
        filter.status === undefined ? undefined : eq(escalations.status, filter.status),
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

/**
 * Every notification that told this escalation something: its own routings (raise, bumps, upgrades),
 * the group digests it was listed in (only on the channels it was listed for), and its resolve notice.
 */
export function escalationDeliveries(ctx: TownContext, escalationId: string): Delivery[] {
  const row = findRow(ctx, escalationId);
  const notices = ctx.db.select().from(escalationNotices).where(eq(escalationNotices.escalationId, row.id)).all();
  const told = new Set(notices.map((n) => `${n.eventId}|${n.channel}`));
  // Rows routed before notices were recorded: their own event ids, on every channel.
  const own = legacyEventIds(row);
  const eventIds = [...new Set([...own, ...notices.map((n) => n.eventId)])];
  return deliveriesOf(ctx, eventIds).filter((d) => told.has(`${d.eventId}|${d.channel}`) || own.includes(d.eventId));
}
