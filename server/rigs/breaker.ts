import { sql } from 'drizzle-orm';
import { rig } from '../../schema/rig';
import { rowShape } from '../core/sql-row';
import { HOUR_MS, MINUTE_MS } from '../core/time';
import { report } from './reports';
import type { RigContext } from './rig-context';

// The rig's circuit breaker: `breakerFailures` failed attempts (failed or lease expired) within
// `breakerWindowMinutes` open it; claims then answer `breaker_open`. After the cooldown one claim is let
// through (half-open): its success closes the breaker, its failure reopens it with the cooldown
// doubled (at most 4 h). Failures older than the window no longer count (they decay), so a breaker never
// opens from old failures. Kept on the rig's one `rig` row: a claim reads one row for it.

/** The town's settings the work loop uses (town.setSettings), passed by each call. */
export interface LoopSettings {
  breakerFailures: number;
  breakerWindowMinutes: number;
  breakerCooldownMinutes: number;
  /** A claimable bead's priority improves by one per this many minutes it waits (claim-queue.ts). */
  agingMinutes: number;
}

export const DEFAULT_LOOP_SETTINGS: LoopSettings = {
  breakerFailures: 5,
  breakerWindowMinutes: 30,
  breakerCooldownMinutes: 15,
  agingMinutes: 60,
};
export const BREAKER_MAX_COOLDOWN_MS = 4 * HOUR_MS;

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface Breaker {
  state: BreakerState;
  openedAt: string | null;
  reopensAt: string | null;
}

export type RigRow = typeof rig.$inferSelect;

const RIG_ROW = rowShape(rig);

/** The rig's one row (read by every claim and close: a template, since Drizzle's builder cost more than the read). */
function rigRow({ db }: RigContext): RigRow | undefined {
  const raw = db.get<Record<string, unknown> | undefined>(sql`select ${RIG_ROW.columns} from rig`);
  return raw && RIG_ROW.decode(raw);
}

/** The settings passed by the latest call (the alarm has none of its own), else the defaults. */
export function storedSettings(ctx: RigContext): LoopSettings {
  return { ...DEFAULT_LOOP_SETTINGS, ...(rigRow(ctx)?.loopSettings ?? {}) };
}

/**
 * Keeps the town's settings for the alarm (writes only when they changed); answers the rig row it read
 * and the settings in effect (the given ones, else the stored ones), so a claim reads the row once.
 */
export function rememberSettings(ctx: RigContext, settings: LoopSettings | undefined): { row: RigRow | undefined; settings: LoopSettings } {
  const row = rigRow(ctx);
  if (!settings) return { row, settings: { ...DEFAULT_LOOP_SETTINGS, ...(row?.loopSettings ?? {}) } };
  if (row && JSON.stringify(row.loopSettings) !== JSON.stringify(settings))
    ctx.db
      .update(rig)
      .set({ loopSettings: { ...settings } })
      .run();
  return { row, settings };
}

export function breakerOf(row: RigRow | undefined): Breaker {
  if (!row) return { state: 'closed', openedAt: null, reopensAt: null };
  return { state: row.breakerState, openedAt: row.breakerOpenedAt, reopensAt: row.breakerReopensAt };
}

export function breaker(ctx: RigContext): Breaker {
  return breakerOf(rigRow(ctx));
}

/** Whether a claim may go on: `closed`, `probe` (the one half-open claim), or `open` (refused). */
export function breakerGate(ctx: RigContext, row = rigRow(ctx)): { gate: 'closed' | 'probe' | 'open'; reopensAt: string | null } {
  if (!row || row.breakerState === 'closed') return { gate: 'closed', reopensAt: null };
  // Half-open: the probe is out; the others wait for its result.
  if (row.breakerState === 'half_open') return { gate: 'open', reopensAt: row.breakerReopensAt };
  const due = row.breakerReopensAt !== null && row.breakerReopensAt <= ctx.now().toISOString();
  return { gate: due ? 'probe' : 'open', reopensAt: row.breakerReopensAt };
}

/** The half-open claim took `beadId`; the town's copy says `half_open` once it hears (reports.ts). */
export function markProbe(ctx: RigContext, beadId: string): void {
  ctx.db.update(rig).set({ breakerState: 'half_open', breakerProbeBeadId: beadId }).run();
  report(ctx, { type: 'rig.breaker_half_open', beadId: null, convoyId: null, data: { probeBeadId: beadId } });
}

/** The probe was given back untouched: the next claim probes instead. */
export function probeReleased(ctx: RigContext, beadId: string): void {
  const row = rigRow(ctx);
  if (row?.breakerState !== 'half_open' || row.breakerProbeBeadId !== beadId) return;
  ctx.db.update(rig).set({ breakerState: 'open', breakerProbeBeadId: null }).run();
  report(ctx, { type: 'rig.breaker_probe_returned', beadId: null, convoyId: null, data: { probeBeadId: beadId } });
}

function open(ctx: RigContext, row: RigRow, cooldownMs: number, failures: number[]): void {
  const now = ctx.now();
  const reopensAt = new Date(now.getTime() + cooldownMs).toISOString();
  const openedAt = row.breakerState === 'closed' ? now.toISOString() : (row.breakerOpenedAt ?? now.toISOString());
  ctx.db
    .update(rig)
    .set({
      breakerState: 'open',
      breakerOpenedAt: openedAt,
      breakerReopensAt: reopensAt,
      breakerCooldownMs: cooldownMs,
      breakerProbeBeadId: null,
      breakerFailures: failures,
    })
    .run();
  report(ctx, {
    type: 'rig.breaker_opened',
    beadId: null,
    convoyId: null,
    data: { openedAt, reopensAt, cooldownMs, failures: failures.length },
  });
}

/** A failed attempt (failed close or expired lease); call inside its transaction. */
export function recordFailure(ctx: RigContext, settings: LoopSettings): void {
  const row = rigRow(ctx);
  if (!row) return;
  const nowMs = ctx.now().getTime();
  const cooldownMs = settings.breakerCooldownMinutes * MINUTE_MS;
  if (row.breakerState === 'half_open') {
    open(ctx, row, Math.min((row.breakerCooldownMs ?? cooldownMs) * 2, BREAKER_MAX_COOLDOWN_MS), []);
    return;
  }
  if (row.breakerState === 'open') return; // attempts already in flight when it opened
  const windowStart = nowMs - settings.breakerWindowMinutes * MINUTE_MS;
  // Only the failures inside the window, and never more than the threshold needs: the row stays small.
  const failures = [...row.breakerFailures.filter((at) => at > windowStart), nowMs].slice(-settings.breakerFailures);
  if (failures.length >= settings.breakerFailures) open(ctx, row, cooldownMs, failures);
  else ctx.db.update(rig).set({ breakerFailures: failures }).run();
}

/** A successful attempt (done or skipped): a half-open breaker closes. `row`: the rig row, if read in this transaction. */
export function recordSuccess(ctx: RigContext, row = rigRow(ctx)): void {
  if (row?.breakerState === 'half_open') close(ctx, 'probe succeeded');
}

function close(ctx: RigContext, why: string): void {
  ctx.db
    .update(rig)
    .set({
      breakerState: 'closed',
      breakerOpenedAt: null,
      breakerReopensAt: null,
      breakerCooldownMs: null,
      breakerProbeBeadId: null,
      breakerFailures: [],
    })
    .run();
  report(ctx, { type: 'rig.breaker_closed', beadId: null, convoyId: null, data: { why } });
}

/** `rig.resetBreaker`: closed at once, its failures forgotten. */
export function resetBreaker(ctx: RigContext, settings?: LoopSettings): Breaker {
  rememberSettings(ctx, settings);
  const row = rigRow(ctx);
  if (row && row.breakerState !== 'closed') close(ctx, 'reset');
  else if (row) ctx.db.update(rig).set({ breakerFailures: [] }).run();
  return breaker(ctx);
}
