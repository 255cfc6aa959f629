import { and, eq, inArray, sql } from 'drizzle-orm';
import { type AttemptResult, type BeadOutcome, beads } from '../../schema/rig';
import { DomainError, notFound } from '../core/errors';
import { logEvent } from '../core/log';
import { cancelTask, runTasksNow, scheduleTask, TASK_RETRY_BACKOFF_MS, type TaskResult } from '../core/scheduler';
import { retryBackoffMs } from './backoff';
import { type Bead, beadColumns, beadSqlColumns, servedTownId } from './beads';
import { type LoopSettings, probeReleased, recordFailure, recordSuccess, rememberSettings, storedSettings } from './breaker';
import { reopenSkippedDependents } from './dependencies';
import { leaseForgiven } from './pauses';
import { report } from './reports';
import type { RigContext } from './rig-context';
import { BEAD_CLOSED_TASK_KIND, type BeadClosedNotice, beadClosedTaskId, rigTaskHandlers } from './town-notify';

// How an attempt ends: `done` or `skipped` close the bead; `failed` (or a lease that ran out) counts a
// failed attempt, which returns the bead to the queue after a backoff while attempts are left, and
// closes it `failed` for good when none are. A final outcome of a convoy bead is owed to the town: its
// task is committed with the close, tried at once, and retried by the alarm.

export const CLOSE_REASON_MAX_CHARS = 1_000;
export const CLOSE_REF_MAX_CHARS = 512;

export interface CloseInput {
  beadId: string;
  agentId?: string;
  outcome?: BeadOutcome;
  reason?: string;
  ref?: string;
  settings?: LoopSettings;
}

export const leaseTaskId = (beadId: string) => `lease:${beadId}`;
type BeadRow = Bead & {
  maxAttempts: number;
  requireRef: boolean;
  lastAgentId: string | null;
  lastResult: AttemptResult | null;
  generation: number;
};

/** The bead with its policy, last attempt and generation (every close reads it: a template, cheaper than a builder). */
function beadRow({ db }: RigContext, beadId: string): BeadRow | undefined {
  const row = db.get<(Omit<BeadRow, 'requireRef'> & { requireRef: number }) | undefined>(
    sql`select ${beadSqlColumns}, max_attempts as maxAttempts, require_ref as requireRef, last_agent_id as lastAgentId,
      last_result as lastResult, generation from beads where id = ${beadId}`,
  );
  return row && { ...row, requireRef: row.requireRef === 1 };
}

const toBead = ({ maxAttempts: _m, requireRef: _r, lastAgentId: _a, lastResult: _l, generation: _g, ...bead }: BeadRow): Bead => bead;

/**
 * Schedules telling the town of a convoy bead's final outcome; returns the task id to try at once. The
 * notice carries the bead's `generation`, so a copy delivered after convoy.retryFailed is ignored.
 */
function owedToTown(ctx: RigContext, bead: Bead, generation: number): string | null {
  if (!bead.convoyId || !bead.outcome) return null;
  const notice: BeadClosedNotice = {
    townId: servedTownId(ctx),
    convoyId: bead.convoyId,
    beadId: bead.id,
    outcome: bead.outcome,
    attempt: bead.attempt,
    reason: bead.reason,
    ref: bead.ref,
    generation,
  };
  logEvent('info', 'rig.bead_closed', { ...notice, rigId: ctx.rigId });
  const id = beadClosedTaskId(bead.id);
  // Due after the first backoff step: the inline attempt is the first try, the alarm the retry.
  scheduleTask(ctx.db, { id, kind: BEAD_CLOSED_TASK_KIND, dueAt: ctx.now().getTime() + TASK_RETRY_BACKOFF_MS[0], payload: notice });
  return id;
}

/**
 * One failed attempt of `bead` (`failed` close or `lease_expired`): back to the queue after a backoff,
 * or closed `failed` when it was the last. Call inside a transaction; returns the bead and a task owed.
 */
function failAttempt(ctx: RigContext, bead: BeadRow, result: 'failed' | 'lease_expired', agentId: string | null, reason: string | null) {
  if (result === 'lease_expired' && leaseForgiven(ctx, bead.convoyId)) return { bead: forgiveLease(ctx, bead), taskId: null };
  const now = ctx.now();
  const final = bead.attempt >= bead.maxAttempts;
  const retryAt = final ? null : new Date(now.getTime() + retryBackoffMs(bead.attempt)).toISOString();
  const common = {
    heldBy: null,
    leaseExpiresAt: null,
    retryAt,
    // Back in its priority level's queue from the backoff's end (server/rigs/claim-queue.ts).
    ...(retryAt ? { claimableSince: retryAt } : {}),
    reason,
    lastAgentId: agentId,
    lastResult: result,
    attempt: bead.attempt,
  } as const;
  const updated = ctx.db
    .update(beads)
    .set(
      final
        ? { ...common, status: 'closed', outcome: 'failed', closeReason: 'done', closedAt: now.toISOString() }
        : { ...common, status: 'open' },
    )
    .where(eq(beads.id, bead.id))
    .returning(beadColumns)
    .get();
  if (!updated) throw new Error(`bead ${bead.id} vanished during its failed attempt`);
  cancelTask(ctx.db, leaseTaskId(bead.id));
  recordFailure(ctx, storedSettings(ctx));
  if (bead.convoyId) {
    const type = result === 'lease_expired' ? 'bead.lease_expired' : 'bead.attempt_failed';
    report(ctx, { type, beadId: bead.id, convoyId: bead.convoyId, data: { agentId, attempt: bead.attempt, reason, retryAt, final } });
  }
  logEvent('info', `rig.${result === 'lease_expired' ? 'lease_expired' : 'attempt_failed'}`, {
    rigId: ctx.rigId,
    beadId: bead.id,
    attempt: bead.attempt,
    final,
  });
  return { bead: updated, taskId: final ? owedToTown(ctx, updated, bead.generation) : null };
}

/**
 * A lease that ran out while its convoy or the town is paused (an emergency stop that ended the agents):
 * the bead is open again at once, its attempt not counted, the breaker not fed.
 */
function forgiveLease(ctx: RigContext, bead: BeadRow): Bead {
  const attempt = Math.max(bead.attempt - 1, 0);
  const updated = ctx.db
    .update(beads)
    .set({
      status: 'open',
      heldBy: null,
      leaseExpiresAt: null,
      retryAt: null,
      attempt,
      lastAgentId: bead.heldBy,
      lastResult: 'lease_expired',
    })
    .where(eq(beads.id, bead.id))
    .returning(beadColumns)
    .get();
  if (!updated) throw new Error(`bead ${bead.id} vanished while its lease was forgiven`);
  cancelTask(ctx.db, leaseTaskId(bead.id));
  probeReleased(ctx, bead.id);
  if (bead.convoyId)
    report(ctx, {
      type: 'bead.lease_expired',
      beadId: bead.id,
      convoyId: bead.convoyId,
      data: { agentId: bead.heldBy, attempt, reason: 'lease expired while paused', retryAt: null, final: false, counted: false },
    });
  logEvent('info', 'rig.lease_forgiven', { rigId: ctx.rigId, beadId: bead.id, convoyId: bead.convoyId });
  return updated;
}

/** If `bead`'s lease has run out, counts it as a failed attempt now (the alarm may be late); inside a transaction. */
export function expireLeaseIfDue(ctx: RigContext, bead: Bead): boolean {
  if (bead.status !== 'in_progress' || !bead.leaseExpiresAt || bead.leaseExpiresAt > ctx.now().toISOString()) return false;
  const row = beadRow(ctx, bead.id);
  if (!row) return false;
  failAttempt(ctx, row, 'lease_expired', row.heldBy, 'lease expired');
  return true;
}

/** The alarm's lease task: the bead's lease ran out unless it was renewed, released or closed since. */
export async function leaseTask(ctx: RigContext, payload: { beadId: string }): Promise<TaskResult> {
  const taskId = ctx.db.transaction(() => {
    const row = beadRow(ctx, payload.beadId);
    if (row?.status !== 'in_progress' || !row.leaseExpiresAt) return null;
    if (row.leaseExpiresAt > ctx.now().toISOString()) return { retryAt: Date.parse(row.leaseExpiresAt) };
    return failAttempt(ctx, row, 'lease_expired', row.heldBy, 'lease expired').taskId;
  });
  if (taskId && typeof taskId === 'object') return taskId;
  if (taskId) await tellTownNow(ctx, taskId);
  return undefined;
}

async function tellTownNow(ctx: RigContext, taskId: string): Promise<void> {
  await ctx.armAlarm();
  await runTasksNow(ctx.db, [taskId], Date.now(), rigTaskHandlers(ctx), { rigId: ctx.rigId });
}

/** A close of a closed bead: the same outcome (by the same agent) again is that close; else CONFLICT. */
function repeatedClose(row: BeadRow, input: CloseInput, outcome: BeadOutcome): Bead {
  if (row.closeReason === 'cancelled' && input.agentId === undefined) return toBead(row);
  const sameAgent = input.agentId === undefined || input.agentId === row.lastAgentId;
  if (row.outcome === outcome && sameAgent) return toBead(row);
  throw new DomainError('CONFLICT', `bead ${row.id} is already closed (${row.outcome ?? row.closeReason})`);
}

/**
 * `rig.closeBead`. Naming `agentId` requires that agent to hold the bead; without it, only an unheld
 * open bead can be closed (as before the work loop). Repeats of the same close count once.
 */
export async function closeBead(ctx: RigContext, input: CloseInput): Promise<Bead> {
  const { db } = ctx;
  const outcome = input.outcome ?? 'done';
  const reason = input.reason ?? null;
  const ref = input.ref ?? null;
  const { bead, taskId } = db.transaction((): { bead: Bead; taskId: string | null } => {
    const { row: rigRow } = rememberSettings(ctx, input.settings);
    const found = beadRow(ctx, input.beadId);
    if (!found) throw notFound('bead', input.beadId);
    // A lease that ran out is expired first: its former holder then gets CONFLICT, like any non-holder.
    const expired = expireLeaseIfDue(ctx, found);
    const row = expired ? (beadRow(ctx, input.beadId) as BeadRow) : found;
    if (row.status === 'closed') return { bead: repeatedClose(row, input, outcome), taskId: null };
    if (input.agentId !== undefined && row.heldBy !== input.agentId) {
      // A repeated `failed` close of an attempt that went back to the queue.
      if (outcome === 'failed' && row.heldBy === null && row.lastAgentId === input.agentId && row.lastResult === 'failed')
        return { bead: toBead(row), taskId: null };
      throw new DomainError('CONFLICT', `bead ${row.id} is not held by agent ${input.agentId}`);
    }
    if (input.agentId === undefined && row.heldBy !== null)
      throw new DomainError('CONFLICT', `bead ${row.id} is held by agent ${row.heldBy}: name it as agentId`);
    if (outcome === 'done' && row.requireRef && !ref)
      throw new DomainError('BAD_REQUEST', `ref: required to close bead ${row.id} done (its convoy has requireRef)`);
    // A close of an unclaimed bead is its attempt.
    const attempt = row.heldBy === null && outcome === 'failed' ? row.attempt + 1 : row.attempt;
    if (outcome === 'failed') return failAttempt(ctx, { ...row, attempt }, 'failed', input.agentId ?? null, reason);
    const change = {
      status: 'closed',
      outcome,
      closeReason: 'done',
      closedAt: ctx.now().toISOString(),
      heldBy: null,
      leaseExpiresAt: null,
      retryAt: null,
      reason,
      ref,
    } as const;
    // The row was read above in this transaction: the closed bead is it with the change, no RETURNING.
    db.run(sql`update beads set status = 'closed', outcome = ${outcome}, close_reason = 'done', closed_at = ${change.closedAt},
      held_by = null, lease_expires_at = null, retry_at = null, reason = ${reason}, ref = ${ref},
      last_agent_id = ${input.agentId ?? null}, last_result = ${outcome} where id = ${row.id}`);
    const closed: Bead = { ...toBead(row), ...change };
    cancelTask(db, leaseTaskId(row.id));
    // The rig row read first still holds the breaker, unless an expiry above counted a failure on it.
    recordSuccess(ctx, expired ? undefined : rigRow);
    if (!closed.convoyId) logEvent('info', 'rig.bead_closed', { rigId: ctx.rigId, beadId: closed.id, convoyId: null, outcome });
    return { bead: closed, taskId: owedToTown(ctx, closed, row.generation) };
  });
  if (taskId) await tellTownNow(ctx, taskId);
  return bead;
}

/**
 * `convoy.retryFailed`, on the rig's side: the convoy's failed beads here (or the ones named) are open
 * again with a fresh attempt budget, one generation on (as the town counts them). Idempotent: a bead
 * not failed is left alone.
 */
export function retryFailedBeads(ctx: RigContext, convoyId: string, beadIds?: readonly string[]): { reopened: number } {
  return ctx.db.transaction(() => {
    const reopened = ctx.db
      .update(beads)
      .set({
        status: 'open',
        outcome: null,
        closeReason: null,
        closedAt: null,
        attempt: 0,
        retryAt: null,
        lastResult: null,
        claimableSince: ctx.now().toISOString(),
        generation: sql`${beads.generation} + 1`,
      })
      .where(and(eq(beads.convoyId, convoyId), eq(beads.outcome, 'failed'), beadIds ? inArray(beads.id, [...beadIds]) : undefined))
      .returning({ id: beads.id })
      .all();
    const dependents = beadIds ? 0 : reopenSkippedDependents(ctx, convoyId);
    logEvent('info', 'rig.beads_retried', { rigId: ctx.rigId, convoyId, reopened: reopened.length, dependents });
    return { reopened: reopened.length + dependents };
  });
}
