import { describe, expect, it } from 'vitest';
import { jittered, retryDelayMs, TASK_RETRY_BACKOFF_MS } from '../../server/core/scheduler';
import { DELIVERY_RETRY_DELAYS_MS, deliveryRetryDelayMs, MAX_DELIVERY_ATTEMPTS } from '../../server/notify/delivery';

describe('delivery backoff (Svix-like)', () => {
  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up after 8 attempts', () => {
    const mid = () => 0.5;
    const delays = Array.from({ length: 7 }, (_, i) => deliveryRetryDelayMs(i + 1, mid));
    const s = 1_000;
    expect(delays).toEqual([5 * s, 300 * s, 1_800 * s, 7_200 * s, 18_000 * s, 36_000 * s, 36_000 * s]);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
    expect(deliveryRetryDelayMs(8, mid)).toBeNull();
    expect(deliveryRetryDelayMs(0, mid)).toBeNull();
  });

  it('jitters each delay by at most ±10%', () => {
    for (const [i, base] of DELIVERY_RETRY_DELAYS_MS.entries()) {
      expect(deliveryRetryDelayMs(i + 1, () => 0)).toBe(Math.round(base * 0.9));
      expect(deliveryRetryDelayMs(i + 1, () => 1)).toBe(Math.round(base * 1.1));
    }
  });

  it('jitters exactly as the scheduler does: one ±10% rule for task retries and deliveries', () => {
    expect([0, 0.5, 1].map((r) => jittered(1_000, () => r))).toEqual([900, 1_000, 1_100]);
    for (const r of [0, 0.123, 0.5, 0.999, 1]) {
      const random = () => r;
      for (const [i, base] of DELIVERY_RETRY_DELAYS_MS.entries()) expect(deliveryRetryDelayMs(i + 1, random)).toBe(jittered(base, random));
      for (const [i, base] of TASK_RETRY_BACKOFF_MS.entries()) expect(retryDelayMs(i + 1, random)).toBe(jittered(base, random));
    }
  });
});
