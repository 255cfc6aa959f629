import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client } from '../helpers';
import { hookUrl } from '../receiver';
import { townWithRig } from '../town-helpers';
import { escalationsOf } from '../watchdog/watchdog-helpers';

const api = client();

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('escalation.raise idempotency', () => {
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
