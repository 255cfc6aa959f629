import { and, eq } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { convoyBeads, rigs } from '../../schema/town';
import type { TownContext } from '../core/context';
import { notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import type { EventType } from '../core/event-shape';
import { getRig, type Rig } from '../rigs/registry';
import type { RigReport } from '../rigs/reports';
import { noteProgress } from './progress';
import { breakerKey, raiseTownEscalation, resolveTownEscalation } from './town-escalations';

// A rig's work-loop reports, applied in one transaction: each becomes its event in the town's log,
// each of a convoy's beads is progress for that convoy, and breaker changes set the town's copy of the
// breaker and raise or resolve its escalation. The rig's watermark makes a re-sent batch count once.

const BEAD_EVENTS: Partial<Record<RigReport['type'], EventType>> = {
  'bead.claimed': 'bead.claimed',
  'bead.released': 'bead.released',
  'bead.lease_expired': 'bead.lease_expired',
  'bead.attempt_failed': 'bead.attempt_failed',
  // Renewals are progress only: no event each.
};

export function applyRigReports(ctx: TownContext, rigId: string, reports: readonly RigReport[]): { applied: number } {
  return ctx.db.transaction(() => {
    const row = ctx.db.select({ reportedThrough: rigs.reportedThrough }).from(rigs).where(eq(rigs.id, rigId)).get();
    if (!row) throw notFound('rig', rigId);
    const fresh = reports.filter((r) => r.seq > row.reportedThrough);
    const progress = new Map<string, string>();
    for (const report of fresh) {
      const type = BEAD_EVENTS[report.type];
      if (type)
        appendEvent(ctx, {
          type,
          rigId,
          convoyId: report.convoyId,
          beadId: report.beadId,
          data: { ...report.data, reportedAt: report.at } as JsonObject,
        });
      if (report.convoyId && report.type !== 'bead.released') progress.set(report.convoyId, report.at);
      if (report.beadId && report.convoyId && report.type !== 'bead.lease_renewed') beadReported(ctx, report);
      if (report.type === 'rig.breaker_opened') breakerOpened(ctx, rigId, report);
      if (report.type === 'rig.breaker_half_open') breakerProbe(ctx, rigId, 'open', 'half_open');
      if (report.type === 'rig.breaker_probe_returned') breakerProbe(ctx, rigId, 'half_open', 'open');
      if (report.type === 'rig.breaker_closed') breakerClosed(ctx, rigId, String(report.data.why ?? 'closed'));
    }
    // One progress write per convoy per batch, whatever the number of its reports.
    for (const [convoyId, at] of progress) noteProgress(ctx, convoyId, at);
    const last = fresh.at(-1);
    if (last) ctx.db.update(rigs).set({ reportedThrough: last.seq }).where(eq(rigs.id, rigId)).run();
    return { applied: fresh.length };
  });
}

/** The town's copy of who holds the bead and its attempt (one row, along the primary key). */
function beadReported(ctx: TownContext, report: RigReport): void {
  const held = report.type === 'bead.claimed' ? String(report.data.agentId ?? '') || null : null;
  const attempt = typeof report.data.attempt === 'number' ? report.data.attempt : undefined;
  ctx.db
    .update(convoyBeads)
    .set({ heldBy: held, ...(attempt === undefined ? {} : { attempt: report.type === 'bead.released' ? attempt - 1 : attempt }) })
    .where(
      and(eq(convoyBeads.convoyId, report.convoyId ?? ''), eq(convoyBeads.beadId, report.beadId ?? ''), eq(convoyBeads.status, 'open')),
    )
    .run();
}

function breakerOpened(ctx: TownContext, rigId: string, report: RigReport): void {
  const openedAt = String(report.data.openedAt ?? report.at);
  const reopensAt = String(report.data.reopensAt ?? report.at);
  const before = getRig(ctx, rigId);
  ctx.db.update(rigs).set({ breakerState: 'open', breakerOpenedAt: openedAt, breakerReopensAt: reopensAt }).where(eq(rigs.id, rigId)).run();
  const raised = raiseTownEscalation(ctx, {
    dedupKey: breakerKey(rigId),
    severity: 'high',
    category: 'breaker',
    message: `Rig ${before.name} (${rigId}): its breaker opened after ${String(report.data.failures ?? 'repeated')} failed attempts; claims are refused until ${reopensAt} (rig.resetBreaker closes it now).`,
  });
  appendEvent(ctx, {
    type: 'rig.breaker_opened',
    rigId,
    escalationId: raised.escalation.id,
    data: { openedAt, reopensAt, reopened: before.breaker.state !== 'closed' },
  });
}

/**
 * The probe claim went out (`open` → `half_open`) or came back untouched (`half_open` → `open`, the same
 * `reopensAt`, now past: the next claim probes). The state only: no event, the escalation stays open.
 * Conditional, so a report applied after a later reset or reopen changes nothing.
 */
function breakerProbe(ctx: TownContext, rigId: string, from: 'open' | 'half_open', to: 'open' | 'half_open'): void {
  ctx.db
    .update(rigs)
    .set({ breakerState: to })
    .where(and(eq(rigs.id, rigId), eq(rigs.breakerState, from)))
    .run();
}

/** The breaker closed (a probe succeeded, or a reset): the town's copy, its event and escalation, once. */
export function breakerClosed(ctx: TownContext, rigId: string, why: string): Rig {
  const before = getRig(ctx, rigId);
  if (before.breaker.state === 'closed') return before;
  ctx.db.update(rigs).set({ breakerState: 'closed', breakerOpenedAt: null, breakerReopensAt: null }).where(eq(rigs.id, rigId)).run();
  appendEvent(ctx, { type: 'rig.breaker_closed', rigId, data: { why } });
  resolveTownEscalation(ctx, breakerKey(rigId), `breaker closed (${why})`);
  return getRig(ctx, rigId);
}

/** `rig.resetBreaker`, on the town's side (the RigDO has closed its breaker already). */
export function breakerReset(ctx: TownContext, rigId: string): Rig {
  return ctx.db.transaction(() => breakerClosed(ctx, rigId, 'reset'));
}
