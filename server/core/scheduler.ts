import { asc, eq, lte, sql } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { schedule } from '../../schema/schedule';
import { logEvent } from './log';

// One alarm per Durable Object, multiplexed over the `schedule` table: each piece of due work is a row,
// the alarm is always set to the earliest `due_at`, and a run executes what is due, each task isolated.

// biome-ignore lint/suspicious/noExplicitAny: any DO database whose schema includes `schedule`
export type SchedulerDb = DrizzleSqliteDODatabase<any>;

export interface Task<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  attempts: number;
}

/** A handler finishes its task, or asks to run again at `retryAt` (epoch ms). Throwing retries with backoff. */
export type TaskResult = undefined | { retryAt: number };
/** Fields every log line of a run carries, e.g. `{ townId }`, so an operator can tell whose task failed. */
export type LogFields = Record<string, unknown>;

/**
 * What a handler returns when its writes can wait for the tasks run with it: `runTasksNow` calls every
 * `commit` (and finishes every task) in one synchronous step after all have answered, so the DO makes
 * one durable write for all of them instead of one per task. An alarm run calls it at once.
 */
export interface DeferredResult {
  commit: () => TaskResult;
}

export type TaskHandler = (task: Task) => Promise<TaskResult | DeferredResult> | TaskResult | DeferredResult;

export const TASK_RETRY_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000] as const;
const MAX_TASKS_PER_RUN = 100;
const MAX_CONCURRENT_TASKS = 8;

/** Delay before retry n (1-based) of a task that threw: the table's steps, then its last step, ±10% jitter. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = TASK_RETRY_BACKOFF_MS[Math.min(attempt, TASK_RETRY_BACKOFF_MS.length) - 1] ?? TASK_RETRY_BACKOFF_MS[0];
  return jittered(base, random);
}

/** `baseMs` ± 10 %, so retries of many tasks do not all land at once. */
export function jittered(baseMs: number, random = Math.random): number {
  return Math.round(baseMs * (0.9 + 0.2 * random()));
}

/**
 * Schedules task `id` at `dueAt`. If it is already scheduled, the earlier due time wins: due work is
 * never pushed back by a later request (pass `replace: true` to move it, as a recurring task does).
 */
export function scheduleTask(
  db: SchedulerDb,
  task: { id: string; kind: string; dueAt: number; payload?: unknown; replace?: boolean },
): void {
  const dueAt = task.replace ? sql`excluded.due_at` : sql`min(due_at, excluded.due_at)`;
  const payload = task.payload === undefined || task.payload === null ? null : JSON.stringify(task.payload);
  // A template rather than Drizzle's insert builder: it runs on every claim and close, and building the
  // upsert cost several times the statement. Requested again: fresh work, so its retries start over.
  db.run(sql`insert into schedule (id, kind, payload, due_at) values (${task.id}, ${task.kind}, ${payload}, ${task.dueAt})
    on conflict (id) do update set kind = excluded.kind, payload = excluded.payload, due_at = ${dueAt},
      version = version + 1, attempts = 0, last_error = null`);
}

export function cancelTask(db: SchedulerDb, id: string): void {
  db.delete(schedule).where(eq(schedule.id, id)).run();
}

/** The earliest due time; read after every DO call (`rearm`), so a template rather than a builder. */
export function nextDueAt(db: SchedulerDb): number | null {
  return db.get<{ at: number | null }>(sql`select min(due_at) as at from schedule`).at;
}

export function scheduledTask(db: SchedulerDb, id: string) {
  return db.select().from(schedule).where(eq(schedule.id, id)).get() ?? null;
}

/**
 * Runs every task due at `now`, oldest first. A task that throws (or has no handler) is logged and
 * retried later; the others still run. Returns how many tasks ran.
 */
export async function runDueTasks(
  db: SchedulerDb,
  now: number,
  handlers: Record<string, TaskHandler>,
  logFields: LogFields = {},
): Promise<number> {
  const due = db.select().from(schedule).where(lte(schedule.dueAt, now)).orderBy(asc(schedule.dueAt)).limit(MAX_TASKS_PER_RUN).all();
  // A few at a time, oldest first: one slow task (a webhook that times out) does not hold up the rest.
  let next = 0;
  const worker = async () => {
    for (let row = due[next++]; row; row = due[next++]) {
      // Re-read: an earlier task of this run may have rescheduled or finished this one meanwhile.
      const current = db.select().from(schedule).where(eq(schedule.id, row.id)).get();
      if (current && current.dueAt <= now) await runTask(db, current, now, handlers, logFields);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_TASKS, due.length) }, worker));
  return due.length;
}

/**
 * Runs the given tasks now, whatever their due time (e.g. a first attempt right after the transaction
 * that scheduled them); each that fails stays scheduled with backoff, exactly as in an alarm run.
 * They run at once (tasks named together are independent, e.g. one delivery per rig), so the slowest
 * bounds the wait rather than the sum of their round trips; then their writes (`DeferredResult`) and
 * the tasks' own rows are all done in one synchronous step: one durable write, not one per task.
 */
export async function runTasksNow(
  db: SchedulerDb,
  ids: readonly string[],
  now: number,
  handlers: Record<string, TaskHandler>,
  logFields: LogFields = {},
) {
  const rows = ids.flatMap((id) => db.select().from(schedule).where(eq(schedule.id, id)).get() ?? []);
  const attempts = await Promise.all(rows.map((row) => attemptTask(row, handlers)));
  rows.forEach((row, i) => {
    finishTask(db, row, now, attempts[i] as Attempt, logFields);
  });
}

type Attempt = { ok: true; result: TaskResult | DeferredResult } | { ok: false; error: unknown };

async function attemptTask(row: typeof schedule.$inferSelect, handlers: Record<string, TaskHandler>): Promise<Attempt> {
  try {
    const handler = handlers[row.kind];
    if (!handler) throw new Error(`no handler for task kind ${row.kind}`);
    return { ok: true, result: await handler({ id: row.id, kind: row.kind, payload: row.payload, attempts: row.attempts }) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function runTask(
  db: SchedulerDb,
  row: typeof schedule.$inferSelect,
  now: number,
  handlers: Record<string, TaskHandler>,
  logFields: LogFields,
) {
  finishTask(db, row, now, await attemptTask(row, handlers), logFields);
}

/** Commits a deferred result, then finishes the task's row, or reschedules it with backoff if anything threw. */
function finishTask(db: SchedulerDb, row: typeof schedule.$inferSelect, now: number, attempt: Attempt, logFields: LogFields) {
  // Only the version that ran is finished or rescheduled: a task rescheduled meanwhile (bumping its
  // version) keeps its new row.
  const sameVersion = sql`${schedule.id} = ${row.id} and ${schedule.version} = ${row.version}`;
  try {
    if (!attempt.ok) throw attempt.error;
    const result = attempt.result && 'commit' in attempt.result ? attempt.result.commit() : attempt.result;
    if (result) {
      db.update(schedule)
        .set({ dueAt: result.retryAt, attempts: row.attempts + 1, lastError: null })
        .where(sameVersion)
        .run();
    } else {
      db.delete(schedule).where(sameVersion).run();
    }
  } catch (error) {
    const attempts = row.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    logEvent('error', 'task.failed', { ...logFields, taskId: row.id, kind: row.kind, attempts, error: message });
    db.update(schedule)
      .set({ attempts, dueAt: now + retryDelayMs(attempts), lastError: message.slice(0, 500) })
      .where(sameVersion)
      .run();
  }
}

// The alarm time this DO instance last saw or set, by its storage: a call that leaves the earliest due
// time where it was (most calls: a close, a read) then re-arms with no storage call at all, instead of a
// getAlarm round trip (and a deleteAlarm write when nothing is due). Only this instance moves its alarm;
// the runtime clears it when it fires, so `alarm()` forgets it first (`forgetArmedAlarm`). A new
// instance (eviction, restart) starts with nothing known.
const armedAlarms = new WeakMap<DurableObjectStorage, number | null>();

/** Call first thing in `alarm()`: the alarm that fired is no longer set. */
export function forgetArmedAlarm(storage: DurableObjectStorage): void {
  armedAlarms.delete(storage);
}

/** Points the DO's one alarm at the earliest due task (or clears it when nothing is due). */
export async function rearm(storage: DurableObjectStorage, db: SchedulerDb): Promise<void> {
  const at = nextDueAt(db);
  if (armedAlarms.has(storage) && armedAlarms.get(storage) === at) return;
  if (at === null) {
    await storage.deleteAlarm();
    armedAlarms.set(storage, null);
    return;
  }
  const current = await storage.getAlarm();
  const now = Date.now();
  // For an overdue task an alarm already past due is left alone: the runtime stores a past time as
  // "now", so setting it again on every call would be a write per call and push the alarm back each time.
  if (current !== at && !(at <= now && current !== null && current <= now)) await storage.setAlarm(at);
  armedAlarms.set(storage, at);
}
