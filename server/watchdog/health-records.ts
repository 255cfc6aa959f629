import { and, desc, eq, sql } from 'drizzle-orm';
import { escalations, type HealthStatus, healthChecks, healthTargets, type TargetKind } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { toldChannels } from '../escalations/escalation-notify';
import { raiseEscalation } from '../escalations/escalations';
import { resolveEscalation } from '../escalations/lifecycle';
import { enqueueNotification } from '../notify/outbox';
import { CONTAINER_TARGET } from './container-health';
import type { CheckResult } from './health-check';

export interface TargetRef {
  target: string;
  kind: TargetKind;
  name: string;
}

export type Transition = 'failing' | 'escalated' | 'recovered';

export interface HealthRecord extends TargetRef {
  status: HealthStatus;
  lastCheckedAt: string;
  latencyMs: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastHealthyAt: string | null;
  failingSince: string | null;
  escalationId: string | null;
}

export interface HealthCheckEntry {
  target: string;
  checkedAt: string;
  status: HealthStatus;
  latencyMs: number;
  error: string | null;
  transition: Transition | null;
}

export interface RecordPolicy {
  /** Consecutive failures that make an outage worth an escalation. */
  failureThreshold: number;
  /** History rows kept per target. */
  historyPerTarget: number;
}

const SEVERITY_BY_KIND = { rig: 'high', container: 'critical' } as const;
/** The dedup key of a target's outage escalation: however many heartbeats see the outage, one escalation. */
export const watchdogDedupKey = (target: string) => `watchdog:${target}`;
/** While the Town Container's outage is open, it covers the rigs' outages (they cannot be told apart from it). */
const CONTAINER_DEDUP_KEY = watchdogDedupKey(CONTAINER_TARGET);

/**
 * Records one check of one target, in one transaction: the target's record, a history row (pruned to
 * the cap), and what the check changed. From the threshold on, every failed check raises with the
 * target's dedup key, so an outage is one escalation (counting its failed checks in `occurrences`); the
 * first healthy check ends it, resolves its escalation (`by: 'watchdog'`) and is notified when the outage
 * had been escalated. `unavailable` (nothing to check) neither counts as a failure nor ends an outage.
 */
export function recordCheck(
  ctx: TownContext,
  ref: TargetRef,
  result: CheckResult,
  policy: RecordPolicy,
): HealthRecord & { transition: Transition | null } {
  const { db } = ctx;
  const checkedAt = iso(ctx.now());
  return db.transaction(() => {
    const previous = db.select().from(healthTargets).where(eq(healthTargets.target, ref.target)).get();
    let consecutiveFailures = previous?.consecutiveFailures ?? 0;
    let failingSince = previous?.failingSince ?? null;
    let escalationId = previous?.escalationId ?? null;
    let lastHealthyAt = previous?.lastHealthyAt ?? null;
    let transition: Transition | null = null;

    if (result.status === 'healthy') {
      if (failingSince !== null) {
        transition = 'recovered';
        const outage = { escalationId, failingSince, consecutiveFailures, recoveredAt: checkedAt };
        const eventId = appendWatchdogEvent(ctx, 'watchdog.recovered', ref, outage);
        if (escalationId !== null) {
          resolveEscalation(ctx, { escalationId, by: 'watchdog', reason: `${ref.name} is healthy again` });
          // Only when someone was told of the outage: an inhibited or silenced one recovers quietly.
          if (toldChannels(ctx, escalationId).length > 0) notifyRecovery(ctx, ref, eventId, { ...outage, escalationId });
        }
      }
      consecutiveFailures = 0;
      failingSince = null;
      escalationId = null;
      lastHealthyAt = checkedAt;
    } else if (result.status === 'unhealthy') {
      consecutiveFailures += 1;
      if (failingSince === null) {
        failingSince = checkedAt;
        transition = 'failing';
        appendWatchdogEvent(ctx, 'watchdog.failing', ref, { escalationId: null, consecutiveFailures });
      }
      if (consecutiveFailures >= policy.failureThreshold && !escalatedWithoutKey(ctx, escalationId)) {
        const raised = escalate(ctx, ref, consecutiveFailures, result.error);
        // A new escalation (the outage's first, or one after an operator resolved the last by hand).
        if (raised.id !== escalationId) {
          transition = 'escalated';
          appendWatchdogEvent(ctx, 'watchdog.escalated', ref, { escalationId: raised.id, consecutiveFailures });
        }
        escalationId = raised.id;
      }
    }

    const record: HealthRecord = {
      ...ref,
      status: result.status,
      lastCheckedAt: checkedAt,
      latencyMs: result.latencyMs,
      consecutiveFailures,
      lastError: result.error ?? previous?.lastError ?? null,
      lastHealthyAt,
      failingSince,
      escalationId,
    };
    db.insert(healthTargets).values(record).onConflictDoUpdate({ target: healthTargets.target, set: record }).run();
    db.insert(healthChecks)
      .values({ target: ref.target, checkedAt, status: result.status, latencyMs: result.latencyMs, error: result.error, transition })
      .run();
    pruneHistory(ctx, ref.target, policy.historyPerTarget);
    if (transition) {
      const level = transition === 'recovered' ? 'info' : 'warn';
      const { target, kind, name } = ref;
      logEvent(level, `watchdog.${transition}`, {
        townId: ctx.townId,
        target,
        kind,
        name,
        consecutiveFailures,
        escalationId,
        error: result.error,
      });
    }
    return { ...record, transition };
  });
}

/**
 * An outage escalated before the watchdog raised with dedup keys, still unresolved: it stays the
 * outage's escalation (raising with the key now would open a second one for the same outage).
 */
function escalatedWithoutKey({ db }: TownContext, escalationId: string | null): boolean {
  if (escalationId === null) return false;
  const row = db
    .select({ dedupKey: escalations.dedupKey, resolvedAt: escalations.resolvedAt })
    .from(escalations)
    .where(eq(escalations.id, escalationId))
    .get();
  return row !== undefined && row.dedupKey === null && row.resolvedAt === null;
}

function escalate(ctx: TownContext, ref: TargetRef, failures: number, error: string | null) {
  const what = ref.kind === 'rig' ? `Rig ${ref.name} (${ref.target})` : ref.name;
  const { escalation } = raiseEscalation(
    ctx,
    {
      sourceRigId: ref.target,
      severity: SEVERITY_BY_KIND[ref.kind],
      category: 'watchdog',
      message: `${what} failed ${failures} consecutive health checks: ${error ?? 'no detail'}`,
      dedupKey: watchdogDedupKey(ref.target),
    },
    ref.kind === 'rig' ? { inhibitedUnder: { sourceRigId: CONTAINER_TARGET, dedupKey: CONTAINER_DEDUP_KEY } } : {},
  );
  return escalation;
}

/** A watchdog transition in the event log: the target (a rig's id as `rigId`) and the outage's escalation. */
function appendWatchdogEvent(
  ctx: TownContext,
  type: 'watchdog.failing' | 'watchdog.escalated' | 'watchdog.recovered',
  ref: TargetRef,
  outage: { escalationId: string | null; consecutiveFailures: number },
): string {
  return appendEvent(ctx, {
    type,
    rigId: ref.kind === 'rig' ? ref.target : null,
    escalationId: outage.escalationId,
    data: { target: ref.target, kind: ref.kind, consecutiveFailures: outage.consecutiveFailures },
  });
}

function notifyRecovery(
  ctx: TownContext,
  ref: TargetRef,
  eventId: string,
  outage: { escalationId: string; failingSince: string; consecutiveFailures: number; recoveredAt: string },
): void {
  enqueueNotification(ctx, {
    // One recovery per escalated outage: the recovery event's id, the same on every retry.
    eventId,
    type: 'watchdog.recovered',
    data: { ...ref, ...outage },
    channels: ['mayor', 'webhook'],
  });
}

/** Keeps the newest `keep` history rows of `target` (an indexed range delete). */
function pruneHistory({ db }: TownContext, target: string, keep: number): void {
  const oldestKept = db
    .select({ id: healthChecks.id })
    .from(healthChecks)
    .where(eq(healthChecks.target, target))
    .orderBy(desc(healthChecks.id))
    .limit(1)
    .offset(keep - 1)
    .get();
  if (oldestKept)
    db.delete(healthChecks)
      .where(and(eq(healthChecks.target, target), sql`${healthChecks.id} < ${oldestKept.id}`))
      .run();
}

/** Forgets rigs that were removed: their record and history (O(targets), then indexed deletes). */
export function forgetRemovedRigs({ db, townId }: TownContext): string[] {
  const stale = db
    .select({ target: healthTargets.target })
    .from(healthTargets)
    .where(sql`${healthTargets.kind} = 'rig' and ${healthTargets.target} not in (select id from rigs)`)
    .all()
    .map((row) => row.target);
  for (const target of stale) {
    db.transaction(() => {
      db.delete(healthChecks).where(eq(healthChecks.target, target)).run();
      db.delete(healthTargets).where(eq(healthTargets.target, target)).run();
    });
  }
  if (stale.length) logEvent('info', 'watchdog.targets_forgotten', { townId, targets: stale });
  return stale;
}

// The wire shape of a record, named column by column so a column added later does not leak.
const recordColumns = {
  target: healthTargets.target,
  kind: healthTargets.kind,
  name: healthTargets.name,
  status: healthTargets.status,
  lastCheckedAt: healthTargets.lastCheckedAt,
  latencyMs: healthTargets.latencyMs,
  consecutiveFailures: healthTargets.consecutiveFailures,
  lastError: healthTargets.lastError,
  lastHealthyAt: healthTargets.lastHealthyAt,
  failingSince: healthTargets.failingSince,
  escalationId: healthTargets.escalationId,
};

export function listHealthRecords({ db }: TownContext): HealthRecord[] {
  return db.select(recordColumns).from(healthTargets).orderBy(healthTargets.kind, healthTargets.name, healthTargets.target).all();
}

export function healthRecord({ db }: TownContext, target: string): HealthRecord | null {
  return db.select(recordColumns).from(healthTargets).where(eq(healthTargets.target, target)).get() ?? null;
}

/** Newest first, at most `limit` rows, of one target or of all. */
export function healthHistory({ db }: TownContext, input: { target?: string; limit: number }): HealthCheckEntry[] {
  const columns = {
    target: healthChecks.target,
    checkedAt: healthChecks.checkedAt,
    status: healthChecks.status,
    latencyMs: healthChecks.latencyMs,
    error: healthChecks.error,
    transition: healthChecks.transition,
  };
  const query = db.select(columns).from(healthChecks);
  const filtered = input.target === undefined ? query : query.where(eq(healthChecks.target, input.target));
  return filtered.orderBy(desc(healthChecks.id)).limit(input.limit).all();
}
