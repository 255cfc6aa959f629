import { and, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import { escalationSilences, escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { cancelTask, scheduleTask, type Task, type TaskResult } from '../core/scheduler';
import { routeEscalation } from './grouping';
import { scheduleReEscalation } from './reescalation-task';
import type { Severity } from './severity';
import type { EscalationRow } from './shape';

// Silences (Alertmanager's): an escalation raised while an active silence matches it is recorded and
// visible (`silencedBy`) but notifies nobody and does not re-escalate. When the silence ends (its time
// comes, or `escalation.unsilence`), its still-open escalations resume: routed as if raised then, with
// the re-escalation clock starting at the silence's end.

export const SILENCE_END_TASK_KIND = 'escalation.silence_end';
export const MAX_SILENCE_MS = 30 * 24 * 3_600_000;
const endTaskId = (silenceId: string) => `escalation.silence_end:${silenceId}`;

export interface SilenceMatchers {
  sourceRigId?: string;
  category?: string;
  severity?: Severity;
  dedupKeyPrefix?: string;
}

export interface Silence {
  id: string;
  matchers: { sourceRigId: string | null; category: string | null; severity: Severity | null; dedupKeyPrefix: string | null };
  startsAt: string;
  endsAt: string;
  reason: string;
  createdBy: string | null;
  /** When it ended early (`escalation.unsilence`) or, once its time came, `endsAt`. */
  endedAt: string | null;
  active: boolean;
}

type SilenceRow = typeof escalationSilences.$inferSelect;

function toSilence(row: SilenceRow, nowMs: number): Silence {
  return {
    id: row.id,
    matchers: { sourceRigId: row.sourceRigId, category: row.category, severity: row.severity, dedupKeyPrefix: row.dedupKeyPrefix },
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    reason: row.reason,
    createdBy: row.createdBy,
    endedAt: row.endedAt,
    active: row.endedAt === null && Date.parse(row.endsAt) > nowMs,
  };
}

export function createSilence(
  ctx: TownContext,
  input: { matchers: SilenceMatchers; endsAt: string; reason: string; by?: string },
): Silence {
  const { matchers } = input;
  if (Object.values(matchers).every((m) => m === undefined)) throw new DomainError('BAD_REQUEST', 'matchers: set at least one matcher');
  const now = ctx.now().getTime();
  const endsAtMs = Date.parse(input.endsAt);
  if (!(endsAtMs > now)) throw new DomainError('BAD_REQUEST', 'endsAt: must be in the future');
  if (endsAtMs - now > MAX_SILENCE_MS) throw new DomainError('BAD_REQUEST', 'endsAt: must be at most 30 days ahead');
  const row: SilenceRow = {
    id: crypto.randomUUID(),
    sourceRigId: matchers.sourceRigId ?? null,
    category: matchers.category ?? null,
    severity: matchers.severity ?? null,
    dedupKeyPrefix: matchers.dedupKeyPrefix ?? null,
    startsAt: iso(new Date(now)),
    endsAt: iso(new Date(endsAtMs)),
    reason: input.reason,
    createdBy: input.by ?? null,
    endedAt: null,
  };
  ctx.db.transaction(() => {
    ctx.db.insert(escalationSilences).values(row).run();
    appendEvent(ctx, { type: 'escalation.silenced', data: { silenceId: row.id, endsAt: row.endsAt, by: row.createdBy } });
    scheduleTask(ctx.db, { id: endTaskId(row.id), kind: SILENCE_END_TASK_KIND, dueAt: endsAtMs, payload: { silenceId: row.id } });
  });
  logEvent('info', 'escalation.silenced', { townId: ctx.townId, silenceId: row.id, endsAt: row.endsAt, by: row.createdBy });
  return toSilence(row, now);
}

/** Newest first; `active: true` = in force now, `false` = ended or expired. */
export function listSilences(ctx: TownContext, filter: { active?: boolean }): Silence[] {
  const now = ctx.now().getTime();
  const all = ctx.db.select().from(escalationSilences).orderBy(desc(escalationSilences.startsAt), desc(escalationSilences.id)).all();
  return all.map((row) => toSilence(row, now)).filter((s) => filter.active === undefined || s.active === filter.active);
}

/** Ends a silence now and lets its escalations resume; ending it again returns it unchanged. */
export function unsilence(ctx: TownContext, silenceId: string): Silence {
  const row = ctx.db.select().from(escalationSilences).where(eq(escalationSilences.id, silenceId)).get();
  if (!row) throw notFound('silence', silenceId);
  const now = ctx.now();
  if (row.endedAt !== null || Date.parse(row.endsAt) <= now.getTime()) return toSilence(row, now.getTime());
  const ended = ctx.db.transaction(() => {
    cancelTask(ctx.db, endTaskId(silenceId));
    return endSilence(ctx, row, now, 'escalation.unsilenced');
  });
  logEvent('info', 'escalation.unsilenced', { townId: ctx.townId, silenceId, resumed: ended.resumed });
  return toSilence(ended.row, now.getTime());
}

/** The `escalation.silence_end` task: the silence's time has come. */
export function silenceEndTask(ctx: TownContext, task: Task): TaskResult {
  const { silenceId } = task.payload as { silenceId: string };
  const row = ctx.db.select().from(escalationSilences).where(eq(escalationSilences.id, silenceId)).get();
  if (!row || row.endedAt !== null) return undefined;
  const endsAt = new Date(row.endsAt);
  if (endsAt.getTime() > ctx.now().getTime()) return { retryAt: endsAt.getTime() };
  const { resumed } = ctx.db.transaction(() => endSilence(ctx, row, endsAt, 'escalation.silence_expired'));
  logEvent('info', 'escalation.silence_expired', { townId: ctx.townId, silenceId, resumed });
  return undefined;
}

function endSilence(
  ctx: TownContext,
  row: SilenceRow,
  at: Date,
  type: 'escalation.unsilenced' | 'escalation.silence_expired',
): { row: SilenceRow; resumed: number } {
  const ended = { ...row, endedAt: iso(at) };
  ctx.db.update(escalationSilences).set({ endedAt: ended.endedAt }).where(eq(escalationSilences.id, row.id)).run();
  const held = ctx.db
    .select()
    .from(escalations)
    .where(and(eq(escalations.silencedBy, row.id), isNull(escalations.resolvedAt)))
    .all();
  appendEvent(ctx, { type, data: { silenceId: row.id, resumed: held.length } });
  for (const escalation of held) resume(ctx, escalation, { silencedBy: null }, at);
  return { row: ended, resumed: held.length };
}

/** The active silence that matches an escalation, if any. O(active silences): there are few. */
export function matchingSilence(
  ctx: TownContext,
  e: Pick<EscalationRow, 'sourceRigId' | 'category' | 'severity' | 'dedupKey'>,
  except?: string,
): string | null {
  const now = iso(ctx.now());
  const active = ctx.db
    .select()
    .from(escalationSilences)
    .where(and(isNull(escalationSilences.endedAt), gt(escalationSilences.endsAt, now), lte(escalationSilences.startsAt, now)))
    .all();
  const match = active.find(
    (s) =>
      s.id !== except &&
      (s.sourceRigId === null || s.sourceRigId === e.sourceRigId) &&
      (s.category === null || s.category === e.category) &&
      (s.severity === null || s.severity === e.severity) &&
      (s.dedupKeyPrefix === null || (e.dedupKey?.startsWith(s.dedupKeyPrefix) ?? false)),
  );
  return match?.id ?? null;
}

/**
 * Lets an escalation go from a silence or an inhibition (`cleared`): another active silence may still
 * hold it; otherwise it is routed now (as if raised) and its re-escalation clock starts at `at`.
 */
export function resume(ctx: TownContext, row: EscalationRow, cleared: { silencedBy?: null; inhibitedBy?: null }, at: Date): void {
  const next = { ...row, ...cleared };
  const silencedBy = next.silencedBy ?? matchingSilence(ctx, row, row.silencedBy ?? undefined);
  const updated = ctx.db
    .update(escalations)
    .set({ ...cleared, silencedBy, clockFrom: iso(at) })
    .where(eq(escalations.id, row.id))
    .returning()
    .get();
  if (!updated) return;
  if (!updated.silencedBy && !updated.inhibitedBy) routeEscalation(ctx, updated, 'escalation.resumed');
  scheduleReEscalation(ctx, updated);
}
