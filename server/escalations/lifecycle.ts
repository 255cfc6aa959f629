import { and, eq, isNull, sql } from 'drizzle-orm';
import { escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { notFound } from '../core/errors';
import { logEvent } from '../core/log';
import { appendEscalationEvent, notifyResolved, toldChannels } from './escalation-notify';
import { cancelReEscalation } from './reescalation-task';
import { type Escalation, type EscalationRow, toEscalation } from './shape';
import { resume } from './silences';

// An escalation's lifecycle: open → acknowledged → resolved (or open → resolved). Each step happens
// once: repeating it returns the escalation as the first call left it. Resolved is final: it never
// re-escalates, and a raise with its dedup key opens a new escalation.

function findRow({ db }: TownContext, escalationId: string): EscalationRow {
  const row = db.select().from(escalations).where(eq(escalations.id, escalationId)).get();
  if (!row) throw notFound('escalation', escalationId);
  return row;
}

/** Acknowledges once: later calls (and calls on a resolved escalation) change nothing. */
export function acknowledgeEscalation(ctx: TownContext, input: { escalationId: string; by?: string }): Escalation {
  return ctx.db.transaction(() => {
    const updated = ctx.db
      .update(escalations)
      .set({ acknowledged: true, acknowledgedAt: iso(ctx.now()), acknowledgedBy: input.by ?? null })
      .where(and(eq(escalations.id, input.escalationId), eq(escalations.acknowledged, false), isNull(escalations.resolvedAt)))
      .returning()
      .get();
    if (!updated) return toEscalation(findRow(ctx, input.escalationId));
    cancelReEscalation(ctx, updated.id);
    appendEscalationEvent(ctx, updated, 'escalation.acknowledged', { severity: updated.severity, by: updated.acknowledgedBy });
    logEvent('info', 'escalation.acknowledged', { townId: ctx.townId, escalationId: updated.id, by: updated.acknowledgedBy });
    return toEscalation(updated);
  });
}

export interface ResolveInput {
  escalationId: string;
  by?: string;
  reason?: string;
}

/**
 * Resolves once, from open or acknowledged: stops its re-escalation, tells the channels that were told
 * of it (`escalation.resolved`), and lets go the escalations it inhibited. Later calls return the first
 * `resolvedAt`, `resolvedBy` and `resolveReason`.
 */
export function resolveEscalation(ctx: TownContext, input: ResolveInput): Escalation {
  return ctx.db.transaction(() => {
    const now = ctx.now();
    const updated = ctx.db
      .update(escalations)
      .set({ resolvedAt: iso(now), resolvedBy: input.by ?? null, resolveReason: input.reason ?? null })
      .where(and(eq(escalations.id, input.escalationId), isNull(escalations.resolvedAt)))
      .returning()
      .get();
    if (!updated) return toEscalation(findRow(ctx, input.escalationId));
    cancelReEscalation(ctx, updated.id);
    const routedTo = toldChannels(ctx, updated.id);
    const eventId = appendEscalationEvent(ctx, updated, 'escalation.resolved', {
      severity: updated.severity,
      by: updated.resolvedBy,
      reason: updated.resolveReason,
      routedTo,
    });
    notifyResolved(ctx, updated, eventId, routedTo);
    const inhibited = ctx.db
      .select()
      .from(escalations)
      .where(and(eq(escalations.inhibitedBy, updated.id), isNull(escalations.resolvedAt)))
      .all();
    for (const row of inhibited) resume(ctx, row, { inhibitedBy: null }, now);
    logEvent('info', 'escalation.resolved', {
      townId: ctx.townId,
      escalationId: updated.id,
      by: updated.resolvedBy,
      reason: updated.resolveReason,
      routedTo,
      released: inhibited.length,
    });
    return toEscalation(updated);
  });
}

/**
 * Resolves the unresolved escalations raised about a convoy (all of them: it landed or was cancelled)
 * or about one of its beads (`beadId`: that bead closed). Call inside the convoy's transaction.
 */
export function resolveForConvoy(ctx: TownContext, input: { convoyId: string; beadId?: string; reason: string }): number {
  // A template, not the builder: every close asks (server/core/sql-row.ts says why).
  const ofBead = input.beadId === undefined ? sql`` : sql` and bead_id = ${input.beadId}`;
  const open = ctx.db.all<{ id: string }>(
    sql`select id from escalations where convoy_id = ${input.convoyId}${ofBead} and resolved_at is null`,
  );
  for (const { id } of open) resolveEscalation(ctx, { escalationId: id, by: 'convoy', reason: input.reason });
  return open.length;
}
