import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, quietConsole } from '../helpers';
import { hookUrl } from '../receiver';
import { outboxRows, townWithRig } from '../town-helpers';
import { escalationsOf } from '../watchdog/watchdog-helpers';

const api = client();

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => vi.restoreAllMocks());

describe('escalation.raise idempotency', () => {
  it('raises one escalation when the first calls with a key arrive at once (none awaited before the others)', async () => {
    const { townId, rigId } = await townWithRig('esc-race');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const calls = Array.from({ length: 8 }, (_, i) =>
      api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: `racer ${i}`, idempotencyKey: 'same' }),
    );
    const results = await Promise.all(calls);
    const [first] = results;
    for (const result of results) expect(result).toEqual(first);
    const stored = await escalationsOf(townId);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id).toBe(first?.escalation.id);
    // One routing: one outbox row per channel, not one per racer.
    expect((await outboxRows(townId)).map((row) => row.channel).sort()).toEqual(['mayor', 'webhook']);
  });

  it('returns the first escalation and its routing for a repeated key, even when the repeats race', async () => {
    const { townId, rigId } = await townWithRig('esc-key');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const raise = (idempotencyKey: string, message: string) =>
      api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message, idempotencyKey });
    const first = await raise('k1', 'first');
    expect(first.routedTo).toEqual(['mayor', 'webhook']);
    const repeats = await Promise.all(Array.from({ length: 10 }, () => raise('k1', 'a retry may differ')));
    for (const repeat of repeats) expect(repeat).toEqual(first);
    const other = await raise('k2', 'second');
    expect(other.escalation.id).not.toBe(first.escalation.id);
    expect((await escalationsOf(townId)).map((e) => e.message).sort()).toEqual(['first', 'second']);
    // The key is not part of the wire shape.
    expect(Object.keys(await api.escalation.get.query({ townId, escalationId: first.escalation.id }))).not.toContain('idempotencyKey');
  });
});
