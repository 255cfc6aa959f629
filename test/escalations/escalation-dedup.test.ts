import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, expectTrpcError, quietConsole } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle, townWithRig } from '../town-helpers';
import { escalationsOf } from '../watchdog/watchdog-helpers';

const api = client();
const RAISES = 200;

beforeEach(() => {
  quietConsole('log', 'warn');
  vi.spyOn(env.EMAIL, 'send');
});
afterEach(() => vi.restoreAllMocks());

describe('escalation dedup keys', () => {
  it(`${RAISES} concurrent raises with one dedupKey: one escalation, occurrences ${RAISES}, one notification per channel`, async () => {
    const { townId, rigId } = await townWithRig('dedup');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId), emailTo: 'oncall@example.com' });
    const results = await Promise.all(
      Array.from({ length: RAISES }, (_, i) =>
        api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: `disk full (${i})`, dedupKey: 'disk:alpha' }),
      ),
    );
    const ids = new Set(results.map((r) => r.escalation.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(results.filter((r) => r.deduplicated).every((r) => r.routedTo.length === 0)).toBe(true);
    const [stored, ...others] = await escalationsOf(townId);
    expect(others).toEqual([]);
    expect(stored).toMatchObject({ occurrences: RAISES, dedupKey: 'disk:alpha', severity: 'high' });
    await settle(townId);
    expect((await outboxRows(townId)).map((r) => r.channel).sort()).toEqual(['email', 'mayor', 'webhook']);
    expect(await receivedHooks(townId)).toHaveLength(1);
    expect(env.EMAIL.send).toHaveBeenCalledTimes(1);
    const got = await api.escalation.get.query({ townId, escalationId: stored?.id ?? '' });
    expect(got.lastSeenAt >= got.createdAt).toBe(true);
  });

  it('a repeat at a higher severity upgrades it and routes it once at the new severity; lower ones only count', async () => {
    const { townId, rigId } = await townWithRig('dedup');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const raise = (severity: 'low' | 'medium' | 'high') =>
      api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity, message: 'flaky tests', dedupKey: 'ci:flaky' });
    const first = await raise('medium');
    expect(first).toMatchObject({ deduplicated: false, routedTo: ['mayor'] });
    const upgraded = await raise('high');
    expect(upgraded).toMatchObject({ deduplicated: true, routedTo: ['mayor', 'webhook'] });
    expect(upgraded.escalation).toMatchObject({ id: first.escalation.id, severity: 'high', originalSeverity: 'medium', occurrences: 2 });
    for (const severity of ['high', 'low', 'medium'] as const) expect((await raise(severity)).routedTo).toEqual([]);
    await settle(townId);
    const rows = await outboxRows(townId);
    expect(rows.map((r) => [r.type, r.channel]).sort()).toEqual([
      ['escalation.raised', 'mayor'],
      ['escalation.upgraded', 'mayor'],
      ['escalation.upgraded', 'webhook'],
    ]);
    const got = await api.escalation.get.query({ townId, escalationId: first.escalation.id });
    expect(got).toMatchObject({ severity: 'high', occurrences: 5 });
    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: got.id });
    expect(deliveries.map((d) => [d.type, d.channel, d.status])).toHaveLength(3);
  });

  it('a raise with the key of a resolved escalation opens a new one', async () => {
    const { townId, rigId } = await townWithRig('dedup');
    const raise = () => api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'medium', message: 'x', dedupKey: 'k' });
    const first = await raise();
    await api.escalation.resolve.mutate({ townId, escalationId: first.escalation.id });
    const second = await raise();
    expect(second.deduplicated).toBe(false);
    expect(second.escalation.id).not.toBe(first.escalation.id);
    expect((await raise()).escalation.id).toBe(second.escalation.id);
  });

  it('rejects a bad dedupKey with BAD_REQUEST naming it, writing nothing', async () => {
    const { townId, rigId } = await townWithRig('dedup');
    const base = { townId, sourceRigId: rigId, severity: 'high' as const, message: 'x' };
    await expectTrpcError(api.escalation.raise.mutate({ ...base, dedupKey: '' }), 'BAD_REQUEST', /dedupKey/);
    await expectTrpcError(api.escalation.raise.mutate({ ...base, dedupKey: 'k'.repeat(257) }), 'BAD_REQUEST', /dedupKey/);
    expect(await escalationsOf(townId)).toEqual([]);
    expect(await outboxRows(townId)).toEqual([]);
  });
});
