import { watchdogState } from '../../schema/town';
import { checkDueDates } from '../convoys/due-dates';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import type { TaskHandler } from '../core/scheduler';
import { ensurePruneScheduled } from '../retention/event-prune';
import { getRig, hasRigs, listRigs, type Rig } from '../rigs/registry';
import { CONTAINER_NAME, CONTAINER_TARGET, checkContainer } from './container-health';
import { type CheckResult, describeError } from './health-check';
import {
  forgetRemovedRigs,
  type HealthCheckEntry,
  type HealthRecord,
  healthHistory,
  healthRecord,
  listHealthRecords,
  type RecordPolicy,
  recordCheck,
  type TargetRef,
  type Transition,
} from './health-records';
import { nextHeartbeatAt, scheduleNextHeartbeat } from './heartbeat-schedule';
import { checkRigs } from './rig-health';

export interface WatchdogOptions extends RecordPolicy {
  rigTimeoutMs: number;
  /** Longer than a rig's: a sleeping container cold-starts on its health check. */
  containerTimeoutMs: number;
}

export const DEFAULT_WATCHDOG_OPTIONS: WatchdogOptions = {
  rigTimeoutMs: 5_000,
  containerTimeoutMs: 10_000,
  failureThreshold: 2,
  historyPerTarget: 50,
};

export interface TargetReport extends TargetRef, CheckResult {
  /** After this check; null when recording it failed (see `stepErrors`). */
  consecutiveFailures: number | null;
  transition: Transition | null;
}

export interface HeartbeatReport {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  targets: TargetReport[];
  /** Steps that threw; the heartbeat carried on without them. */
  stepErrors: { step: string; target: string | null; message: string }[];
  nextHeartbeatAt: string | null;
}

// A heartbeat asked for while one runs (alarm and RPC interleave at awaits) joins it, so one outage
// is never counted twice in one tick.
const inFlight = new WeakMap<object, Promise<HeartbeatReport>>();

/** Runs one heartbeat now: checks every rig and the container at once, records, escalates, re-schedules. */
export function runHeartbeat(ctx: TownContext, options: WatchdogOptions = DEFAULT_WATCHDOG_OPTIONS): Promise<HeartbeatReport> {
  const running = inFlight.get(ctx.db);
  if (running) return running;
  const heartbeat = beat(ctx, options).finally(() => inFlight.delete(ctx.db));
  inFlight.set(ctx.db, heartbeat);
  return heartbeat;
}

/** The scheduler's handler: the heartbeat never throws, and re-schedules itself (or stops) on its own. */
export function heartbeatTask(ctx: TownContext, options: WatchdogOptions = DEFAULT_WATCHDOG_OPTIONS): TaskHandler {
  return async () => {
    await runHeartbeat(ctx, options);
    return undefined;
  };
}

async function beat(ctx: TownContext, options: WatchdogOptions): Promise<HeartbeatReport> {
  const startedAt = ctx.now();
  const started = performance.now();
  const stepErrors: HeartbeatReport['stepErrors'] = [];
  const step = <T>(name: string, target: string | null, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      stepErrors.push({ step: name, target, message: describeError(error) });
      logEvent('error', 'watchdog.step_failed', { townId: ctx.townId, step: name, target, error: describeError(error) });
      return fallback;
    }
  };
  const targets: TargetReport[] = [];
  try {
    const rigs = step<Rig[] | null>('list-rigs', null, () => listRigs(ctx), null);
    const refs: TargetRef[] = [
      ...(rigs ?? []).map((rig) => ({ target: rig.id, kind: 'rig' as const, name: rig.name })),
      { target: CONTAINER_TARGET, kind: 'container', name: CONTAINER_NAME },
    ];
    const [rigResults, containerResult] = await Promise.all([
      checkRigs(ctx.env, ctx.townId, rigs ?? [], options.rigTimeoutMs),
      checkContainer(ctx.env, ctx.townId, options.containerTimeoutMs),
    ]);
    const results = [...rigResults, containerResult];
    // The container is recorded first: its outage, opened in this same heartbeat, inhibits the rigs'.
    const recordOrder = [refs.length - 1, ...refs.keys()].slice(0, refs.length);
    const reports: TargetReport[] = [];
    for (const i of recordOrder) {
      const ref = refs[i] as TargetRef;
      const result = results[i] as CheckResult;
      const recorded = step('record', ref.target, () => recordCheck(ctx, ref, result, options), null);
      reports[i] = {
        ...ref,
        ...result,
        consecutiveFailures: recorded?.consecutiveFailures ?? null,
        transition: recorded?.transition ?? null,
      };
    }
    targets.push(...reports);
    if (rigs !== null) step('forget-removed-rigs', null, () => forgetRemovedRigs(ctx), []);
    // Time passing can turn a convoy's due-date forecast: only the convoys whose check is due are read.
    step('convoy-due-dates', null, () => checkDueDates(ctx), 0);
  } catch (error) {
    stepErrors.push({ step: 'heartbeat', target: null, message: describeError(error) });
    logEvent('error', 'watchdog.heartbeat_failed', { townId: ctx.townId, error: describeError(error) });
  } finally {
    // Whatever happened above, the town's pulse goes on unless it has no rigs left — asked now, not
    // before the checks: a rig may have been registered while they were awaited. If the rigs cannot
    // be read, the pulse goes on.
    const townHasRigs = step('has-rigs', null, () => hasRigs(ctx), true);
    step('reschedule', null, () => scheduleNextHeartbeat(ctx, townHasRigs), undefined);
    // The pulse also keeps the event log's pruning scheduled (it stops itself when nothing can expire).
    step('schedule-prune', null, () => ensurePruneScheduled(ctx), undefined);
  }
  const durationMs = Math.round(performance.now() - started);
  step('save-state', null, () => saveState(ctx, startedAt, durationMs, stepErrors.length), undefined);
  const next = step('next-heartbeat', null, () => nextHeartbeatAt(ctx), null);
  const report: HeartbeatReport = {
    startedAt: iso(startedAt),
    finishedAt: iso(ctx.now()),
    durationMs,
    targets,
    stepErrors,
    nextHeartbeatAt: next === null ? null : iso(new Date(next)),
  };
  logEvent(stepErrors.length ? 'warn' : 'info', 'watchdog.heartbeat', {
    townId: ctx.townId,
    durationMs,
    unhealthy: targets.filter((t) => t.status === 'unhealthy').map((t) => t.target),
    unavailable: targets.filter((t) => t.status === 'unavailable').map((t) => t.target),
    stepErrors: stepErrors.length,
  });
  return report;
}

function saveState({ db }: TownContext, startedAt: Date, durationMs: number, stepErrors: number): void {
  const state = { id: 1, lastHeartbeatAt: iso(startedAt), lastDurationMs: durationMs, lastStepErrors: stepErrors };
  db.insert(watchdogState).values(state).onConflictDoUpdate({ target: watchdogState.id, set: state }).run();
}

export interface WatchdogStatus {
  lastHeartbeat: { at: string; durationMs: number; stepErrors: number } | null;
  nextHeartbeatAt: string | null;
  targets: HealthRecord[];
}

export function watchdogStatus(ctx: TownContext): WatchdogStatus {
  const state = ctx.db.select().from(watchdogState).get();
  const next = nextHeartbeatAt(ctx);
  return {
    lastHeartbeat: state ? { at: state.lastHeartbeatAt, durationMs: state.lastDurationMs, stepErrors: state.lastStepErrors } : null,
    nextHeartbeatAt: next === null ? null : iso(new Date(next)),
    targets: listHealthRecords(ctx),
  };
}

export const HISTORY_DEFAULT_LIMIT = 50;

/** Recent checks, newest first: of one target (the container or a rig of this town), or of all. */
export function watchdogHistory(ctx: TownContext, input: { target?: string; limit?: number }): { checks: HealthCheckEntry[] } {
  const { target } = input;
  if (target !== undefined && target !== CONTAINER_TARGET && !healthRecord(ctx, target)) getRig(ctx, target); // NOT_FOUND
  return { checks: healthHistory(ctx, { target, limit: input.limit ?? HISTORY_DEFAULT_LIMIT }) };
}
