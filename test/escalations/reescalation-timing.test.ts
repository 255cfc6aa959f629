import { describe, expect, it } from 'vitest';
import { decideReEscalation, nextBumpDueAtMs, type ReEscalationState } from '../../server/escalations/reescalation';

const HOUR_MS = 3_600_000;
const policy = { staleAfterMs: 4 * HOUR_MS, maxReEscalations: 3 };
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const fresh = (over: Partial<ReEscalationState> = {}): ReEscalationState => ({
  severity: 'low',
  acknowledged: false,
  reEscalationCount: 0,
  createdAtMs: T0,
  ...over,
});

describe('re-escalation timing (injected clock)', () => {
  it('bumps once at created + 4 h, one level up', () => {
    expect(decideReEscalation(fresh(), policy, T0 + 4 * HOUR_MS - 1)).toEqual({ kind: 'wait', untilMs: T0 + 4 * HOUR_MS });
    expect(decideReEscalation(fresh(), policy, T0 + 4 * HOUR_MS)).toEqual({ kind: 'bump', to: 'medium' });
  });

  it('does not bump again at 5 h after one bump: the next is due at created + 8 h', () => {
    const once = fresh({ severity: 'medium', reEscalationCount: 1 });
    expect(decideReEscalation(once, policy, T0 + 5 * HOUR_MS)).toEqual({ kind: 'wait', untilMs: T0 + 8 * HOUR_MS });
    expect(decideReEscalation(once, policy, T0 + 8 * HOUR_MS)).toEqual({ kind: 'bump', to: 'high' });
    expect(nextBumpDueAtMs(fresh({ reEscalationCount: 2 }), policy)).toBe(T0 + 12 * HOUR_MS);
  });

  it('never moves an acknowledged, critical, or capped escalation', () => {
    const late = T0 + 100 * HOUR_MS;
    expect(decideReEscalation(fresh({ acknowledged: true }), policy, late)).toEqual({ kind: 'never' });
    expect(decideReEscalation(fresh({ severity: 'critical' }), policy, late)).toEqual({ kind: 'never' });
    expect(decideReEscalation(fresh({ severity: 'high', reEscalationCount: 3 }), policy, late)).toEqual({ kind: 'never' });
    expect(decideReEscalation(fresh(), { ...policy, maxReEscalations: 0 }, late)).toEqual({ kind: 'never' });
  });

  it('takes high to critical, and follows a configured threshold', () => {
    expect(decideReEscalation(fresh({ severity: 'high' }), policy, T0 + 4 * HOUR_MS)).toEqual({ kind: 'bump', to: 'critical' });
    const hourly = { staleAfterMs: HOUR_MS, maxReEscalations: 3 };
    expect(decideReEscalation(fresh(), hourly, T0 + HOUR_MS)).toEqual({ kind: 'bump', to: 'medium' });
  });
});
