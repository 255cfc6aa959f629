import { describe, expect, it } from 'vitest';
import { type ForecastRow, forecast, hasEstimate, nextDueCheckMs } from '../../server/convoys/forecast';

// The forecast at each boundary, as a pure function of the convoy's row and an injected clock.

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2027-01-04T09:00:00.000Z');
const at = (ms: number) => new Date(ms);
const iso = (ms: number) => new Date(ms).toISOString();

/** Created at T0 with 10 beads, due 10 h later; 5 closed by default. */
const row = (over: Partial<ForecastRow> = {}): ForecastRow => ({
  status: 'active',
  totalBeads: 10,
  closedBeads: 5,
  createdAt: iso(T0),
  landedAt: null,
  dueAt: iso(T0 + 10 * HOUR_MS),
  ...over,
});

describe('convoy forecast', () => {
  it('has no estimate below 5 closed beads, nor below 10 % of them', () => {
    expect(hasEstimate({ totalBeads: 20, closedBeads: 4 })).toBe(false);
    expect(hasEstimate({ totalBeads: 20, closedBeads: 5 })).toBe(true);
    expect(hasEstimate({ totalBeads: 100, closedBeads: 9 })).toBe(false);
    expect(hasEstimate({ totalBeads: 100, closedBeads: 10 })).toBe(true);
    expect(hasEstimate({ totalBeads: 3, closedBeads: 2 })).toBe(false);
    const few = row({ totalBeads: 100, closedBeads: 9 });
    expect(forecast(few, at(T0 + HOUR_MS))).toEqual({ expectedLandAt: null, health: 'no_estimate' });
  });

  it('expects the landing at now + open / rate, rate = closed / time since creation', () => {
    // 5 closed in 4 h: 5 open take 4 h more.
    expect(forecast(row(), at(T0 + 4 * HOUR_MS))).toEqual({ expectedLandAt: iso(T0 + 8 * HOUR_MS), health: 'on_track' });
    // Without a due date the forecast is the same and never at risk.
    expect(forecast(row({ dueAt: null }), at(T0 + 9 * HOUR_MS)).health).toBe('on_track');
  });

  it('turns at_risk the moment the expected landing passes the due date, and off_track once the date passed', () => {
    // 5 of 10 closed at T0 + 5 h: expected exactly at the due date, still on track.
    expect(forecast(row(), at(T0 + 5 * HOUR_MS))).toEqual({ expectedLandAt: iso(T0 + 10 * HOUR_MS), health: 'on_track' });
    expect(forecast(row(), at(T0 + 5 * HOUR_MS + 1)).health).toBe('at_risk');
    expect(forecast(row(), at(T0 + 10 * HOUR_MS)).health).toBe('at_risk');
    expect(forecast(row(), at(T0 + 10 * HOUR_MS + 1)).health).toBe('off_track');
    // A date that passed needs no estimate.
    expect(forecast(row({ closedBeads: 0 }), at(T0 + 10 * HOUR_MS + 1))).toEqual({ expectedLandAt: null, health: 'off_track' });
  });

  it('a landed convoy: its landing time, on track if by the date; a cancelled one has no estimate', () => {
    const landed = (landedAt: number) => row({ status: 'landed', closedBeads: 10, landedAt: iso(landedAt) });
    expect(forecast(landed(T0 + 10 * HOUR_MS), at(T0 + 20 * HOUR_MS))).toEqual({
      expectedLandAt: iso(T0 + 10 * HOUR_MS),
      health: 'on_track',
    });
    expect(forecast(landed(T0 + 10 * HOUR_MS + 1), at(T0 + 20 * HOUR_MS)).health).toBe('off_track');
    expect(forecast(row({ status: 'cancelled' }), at(T0))).toEqual({ expectedLandAt: null, health: 'no_estimate' });
  });

  it('the next check by time alone: when on_track would turn at_risk, else the due date, none once off_track', () => {
    // t* = (closed·due + open·created) / total = T0 + 5 h: at_risk from just after it.
    const next = nextDueCheckMs(row(), 'on_track');
    expect(next).toBe(T0 + 5 * HOUR_MS + 1);
    expect(forecast(row(), at((next as number) - 1)).health).toBe('on_track');
    expect(forecast(row(), at(next as number)).health).toBe('at_risk');
    expect(nextDueCheckMs(row(), 'at_risk')).toBe(T0 + 10 * HOUR_MS + 1);
    expect(nextDueCheckMs(row({ closedBeads: 0 }), 'no_estimate')).toBe(T0 + 10 * HOUR_MS + 1);
    expect(nextDueCheckMs(row(), 'off_track')).toBeNull();
    expect(nextDueCheckMs(row({ dueAt: null }), 'on_track')).toBeNull();
  });
});
