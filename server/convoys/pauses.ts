import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { pauses, pauseVersions } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import { runTasksNow, scheduleTask, TASK_RETRY_BACKOFF_MS, type TaskHandler, type TaskResult } from '../core/scheduler';
import { PEER_CALL_TIMEOUT_MS, withTimeout } from '../core/timeout';
import { rigStub } from '../rigs/stub';
import type { ConvoyContext } from './delivery';

// Pauses of the town and of a convoy, and telling the rigs of them. A scope (`town` or a convoy id) is
// paused while it has at least one cause (`manual`, `budget`); each cause is its own row, lifted only by
// its own resume. Each change bumps the scope's version and schedules one task per rig that sends the
// scope's state as of the task's run (so a retry sends the newest state); the pausing call tries these
// at once and answers after the rigs have it, the alarm retries the ones that failed.

export type PauseCause = 'manual' | 'budget';
export const TOWN_SCOPE = 'town';
export const PAUSE_REASON_MAX_CHARS = 500;
export const TELL_PAUSE_TASK_KIND = 'pause.tell';

export interface Pause {
  cause: PauseCause;
  reason: string;
  by: string;
  pausedAt: string;
}

/** How a convoy or the town answers its pauses: the earliest active cause, and all of them. */
export interface PauseView {
  pausedAt: string | null;
  pauseReason: string | null;
  pauses: Pause[];
}

const toPause = (r: typeof pauses.$inferSelect): Pause => ({ cause: r.cause, reason: r.reason, by: r.pausedBy, pausedAt: r.pausedAt });

export function pauseView(active: readonly Pause[]): PauseView {
  const first = active[0];
  return { pausedAt: first?.pausedAt ?? null, pauseReason: first?.reason ?? null, pauses: [...active] };
}

/** The scope's active causes, earliest first (at most one row per cause: O(1)). */
export function activePauses({ db }: TownContext, scope: string): Pause[] {
  return db.select().from(pauses).where(eq(pauses.scope, scope)).orderBy(asc(pauses.pausedAt), asc(pauses.cause)).all().map(toPause);
}

/** The active causes of several convoys (a page of convoy.list), by convoy. */
export function pausesOf({ db }: TownContext, scopes: readonly string[]): Map<string, Pause[]> {
  const byScope = new Map<string, Pause[]>();
  if (scopes.length === 0) return byScope;
  const rows = db
    .select()
    .from(pauses)
    .where(inArray(pauses.scope, [...scopes]))
    .orderBy(asc(pauses.pausedAt), asc(pauses.cause))
    .all();
  for (const row of rows) byScope.set(row.scope, [...(byScope.get(row.scope) ?? []), toPause(row)]);
  return byScope;
}

function bumpVersion({ db }: TownContext, scope: string): void {
  db.insert(pauseVersions)
    .values({ scope, version: 1 })
    .onConflictDoUpdate({ target: pauseVersions.scope, set: { version: sql`${pauseVersions.version} + 1` } })
    .run();
}

/** Adds one cause, in the caller's transaction; false when that cause was active already (nothing written). */
export function addPause(ctx: TownContext, scope: string, pause: Omit<Pause, 'pausedAt'>): Pause | null {
  const pausedAt = iso(ctx.now());
  const added = ctx.db
    .insert(pauses)
    .values({ scope, cause: pause.cause, reason: pause.reason, pausedBy: pause.by, pausedAt })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!added) return null;
  bumpVersion(ctx, scope);
  return toPause(added);
}

/** Lifts one cause, in the caller's transaction; the cause lifted, or null when it was not active. */
export function removePause(ctx: TownContext, scope: string, cause: PauseCause): Pause | null {
  const removed = ctx.db
    .delete(pauses)
    .where(and(eq(pauses.scope, scope), eq(pauses.cause, cause)))
    .returning()
    .get();
  if (!removed) return null;
  bumpVersion(ctx, scope);
  return toPause(removed);
}

interface PauseTell {
  scope: string;
  rigId: string;
}

const tellTaskId = ({ scope, rigId }: PauseTell) => `pause.tell:${scope}:${rigId}`;

/** Schedules telling each rig the scope's state; call inside the writing transaction. */
export function schedulePauseTells(ctx: TownContext, scope: string, rigIds: Iterable<string>): string[] {
  return [...new Set(rigIds)].map((rigId) => {
    const id = tellTaskId({ scope, rigId });
    // The inline attempt is the first try, the alarm the retry.
    scheduleTask(ctx.db, {
      id,
      kind: TELL_PAUSE_TASK_KIND,
      dueAt: ctx.now().getTime() + TASK_RETRY_BACKOFF_MS[0],
      payload: { scope, rigId },
      replace: true,
    });
    return id;
  });
}

/** Sends one rig the scope's current state and version (read now, so a retry never sends a stale one). */
async function tellPause(ctx: TownContext, { scope, rigId }: PauseTell): Promise<TaskResult> {
  const paused = ctx.db.select({ cause: pauses.cause }).from(pauses).where(eq(pauses.scope, scope)).limit(1).get() !== undefined;
  const version = ctx.db.select().from(pauseVersions).where(eq(pauseVersions.scope, scope)).get()?.version ?? 0;
  try {
    await withTimeout(
      rigStub(ctx.env, ctx.townId, rigId).setPaused(scope, paused, version),
      PEER_CALL_TIMEOUT_MS,
      `rig ${rigId} setPaused`,
    );
  } catch (error) {
    logEvent('warn', 'pause.tell_retry', {
      townId: ctx.townId,
      scope,
      rigId,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  return undefined;
}

export function pauseTaskHandlers(ctx: TownContext): Record<string, TaskHandler> {
  return { [TELL_PAUSE_TASK_KIND]: (task) => tellPause(ctx, task.payload as PauseTell) };
}

/** After the commit: arm the alarm (a crash mid-way still retries), then tell every rig now. */
export async function tellRigsNow(ctx: ConvoyContext, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length === 0) return;
  await ctx.armAlarm();
  await runTasksNow(ctx.db, taskIds, Date.now(), pauseTaskHandlers(ctx), { townId: ctx.townId });
}
