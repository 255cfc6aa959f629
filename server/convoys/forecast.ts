import type { convoys } from '../../schema/town';

// A convoy's forecast from its own row (counters and dates: O(1), whatever the number of beads).
// rate = closed beads / time since creation; expectedLandAt = now + open beads / rate. Pure: the clock
// is passed in. docs/convoys.md ("Due dates and forecast") states the rules.

export type ConvoyHealth = 'no_estimate' | 'on_track' | 'at_risk' | 'off_track';

export interface ConvoyForecast {
  /** When the convoy should land at its rate so far (its landing time once landed); null without an estimate. */
  expectedLandAt: string | null;
  health: ConvoyHealth;
}

/** An estimate needs this many closed beads, and at least ESTIMATE_MIN_SHARE of them (fewer is noise: no alarm on it). */
export const ESTIMATE_MIN_CLOSED = 5;
export const ESTIMATE_MIN_SHARE = 0.1;

export type ForecastRow = Pick<typeof convoys.$inferSelect, 'status' | 'totalBeads' | 'closedBeads' | 'createdAt' | 'landedAt' | 'dueAt'>;

export function hasEstimate(row: Pick<ForecastRow, 'totalBeads' | 'closedBeads'>): boolean {
  return row.totalBeads > 0 && row.closedBeads >= Math.max(ESTIMATE_MIN_CLOSED, row.totalBeads * ESTIMATE_MIN_SHARE);
}

/** Epoch ms the convoy should land at, at its rate so far; null without an estimate. */
function expectedLandMs(row: ForecastRow, nowMs: number): number | null {
  if (!hasEstimate(row)) return null;
  const open = row.totalBeads - row.closedBeads;
  const elapsedMs = Math.max(0, nowMs - Date.parse(row.createdAt));
  // open / rate = open × elapsed / closed
  return nowMs + (open * elapsedMs) / row.closedBeads;
}

export function forecast(row: ForecastRow, now: Date): ConvoyForecast {
  const nowMs = now.getTime();
  const dueMs = row.dueAt === null ? null : Date.parse(row.dueAt);
  if (row.status === 'cancelled') return { expectedLandAt: null, health: 'no_estimate' };
  if (row.status === 'landed' && row.landedAt) {
    const late = dueMs !== null && Date.parse(row.landedAt) > dueMs;
    return { expectedLandAt: row.landedAt, health: late ? 'off_track' : 'on_track' };
  }
  const expected = expectedLandMs(row, nowMs);
  const expectedLandAt = expected === null ? null : new Date(Math.round(expected)).toISOString();
  // A date that passed needs no estimate: an active convoy past it is off track.
  if (dueMs !== null && nowMs > dueMs) return { expectedLandAt, health: 'off_track' };
  if (expected === null) return { expectedLandAt, health: 'no_estimate' };
  if (dueMs !== null && expected > dueMs) return { expectedLandAt, health: 'at_risk' };
  return { expectedLandAt, health: 'on_track' };
}

/**
 * When time alone (no close, no add) can next change the health of an active convoy with a due date:
 * on track, at t* = (closed·due + open·created) / total, the moment now + open·(now − created)/closed
 * passes the due date; otherwise at the due date (off track). Null once nothing but a close, an add or a
 * new date can change it (already off track), or without a due date.
 */
export function nextDueCheckMs(row: ForecastRow, health: ConvoyHealth): number | null {
  if (row.status !== 'active' || row.dueAt === null || health === 'off_track') return null;
  const dueMs = Date.parse(row.dueAt);
  if (health !== 'on_track') return dueMs + 1;
  const open = row.totalBeads - row.closedBeads;
  const createdMs = Date.parse(row.createdAt);
  // Rounded up: checking a moment late is harmless (the heartbeat runs every few minutes anyway).
  return Math.min(dueMs + 1, Math.ceil((row.closedBeads * dueMs + open * createdMs) / row.totalBeads) + 1);
}
