import { nextSeverity, type Severity } from './severity';

// When an unacknowledged escalation moves up a level. Pure: the caller passes the clock.
// Bump N (0-based) is due at created_at + (N + 1) × the stale threshold, so bumps stay on a fixed grid
// from creation instead of drifting with however late the alarm ran.

export interface ReEscalationPolicy {
  staleAfterMs: number;
  maxReEscalations: number;
}

export interface ReEscalationState {
  severity: Severity;
  acknowledged: boolean;
  /** Resolved, silenced or inhibited: it does not move (a silence or inhibition that ends restarts the clock). */
  quiet?: boolean;
  reEscalationCount: number;
  /** Where the grid starts: its creation, or the end of the silence or inhibition that held it. */
  createdAtMs: number;
}

export type ReEscalationDecision = { kind: 'never' } | { kind: 'wait'; untilMs: number } | { kind: 'bump'; to: Severity };

export function policyFrom(settings: { staleAfterMinutes: number; maxReEscalations: number }): ReEscalationPolicy {
  return { staleAfterMs: settings.staleAfterMinutes * 60_000, maxReEscalations: settings.maxReEscalations };
}

/** When the next bump is due: created_at + (count + 1) × stale threshold. */
export function nextBumpDueAtMs(state: ReEscalationState, policy: ReEscalationPolicy): number {
  return state.createdAtMs + (state.reEscalationCount + 1) * policy.staleAfterMs;
}

/** Acknowledged, resolved, silenced, inhibited, critical, or capped escalations never move; others wait for their next bump or are due now. */
export function decideReEscalation(state: ReEscalationState, policy: ReEscalationPolicy, nowMs: number): ReEscalationDecision {
  if (state.acknowledged || state.quiet || state.severity === 'critical' || state.reEscalationCount >= policy.maxReEscalations)
    return { kind: 'never' };
  const dueAtMs = nextBumpDueAtMs(state, policy);
  return nowMs >= dueAtMs ? { kind: 'bump', to: nextSeverity(state.severity) } : { kind: 'wait', untilMs: dueAtMs };
}
