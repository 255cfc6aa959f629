import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUR_MS } from '../../server/core/time';
import { MAX_DELIVERY_ATTEMPTS } from '../../server/notify/delivery';
import { postWebhook } from '../../server/notify/webhook';
import { client, devSigningSecret, quietConsole, routingEventIds } from '../helpers';
import { hookUrl, planHook, receivedHooks, releaseHooks } from '../receiver';
import { outboxRows, settle, townWithRig } from '../town-helpers';

const api = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A town whose webhook posts to the test receiver, logging quietly. */
async function hookedTown() {
  quietConsole('warn', 'error');
  const town = await townWithRig('hook');
  const { signingSecret } = await api.escalation.setRouting.mutate({ townId: town.townId, webhookUrl: hookUrl(town.townId) });
  if (!signingSecret) throw new Error('the first webhook URL returns the town signing secret');
  return { ...town, signingSecret };
}

/** Moves the fake clock on by `ms`, then runs whatever is due. */
async function advance(townId: string, ms: number) {
  vi.setSystemTime(Date.now() + ms);
  await settle(townId);
}

const verify = (secret: string, hook: { headers: Record<string, string>; body: string }) =>
  new Webhook(secret).verify(hook.body, hook.headers);

describe('webhook delivery', () => {
  it('retries a webhook that is down, then delivers it exactly once with a verifiable signature', async () => {
    const { townId, rigId, signingSecret } = await hookedTown();
    await planHook(townId, { failures: 3, status: 503 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'db down' });
    const [eventId] = await routingEventIds(townId, escalation.id);
    await settle(townId);
    const webhook = async () =>
      (await api.escalation.deliveries.query({ townId, escalationId: escalation.id })).find((d) => d.channel === 'webhook');

    const afterFirst = await webhook();
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, lastError: 'endpoint answered HTTP 503' });
    // The first retry waits 5 s ± 10%.
    const wait = Date.parse(afterFirst?.nextAttemptAt ?? '') - Date.now();
    expect(wait).toBeGreaterThanOrEqual(4_500);
    expect(wait).toBeLessThanOrEqual(5_500);

    await advance(townId, 1_000); // not yet due: nothing sent
    expect(await receivedHooks(townId)).toHaveLength(1);
    await advance(townId, 5_000); // retry 1 (fails)
    await advance(townId, 6 * 60_000); // retry 2 after ~5 min (fails)
    expect(await webhook()).toMatchObject({ status: 'pending', attempts: 3 });
    await advance(townId, 35 * 60_000); // retry 3 after ~30 min: the endpoint is up
    expect(await webhook()).toMatchObject({ status: 'delivered', attempts: 4, lastError: null, nextAttemptAt: null });
    const delivered = (await receivedHooks(townId)).at(-1);
    expect(delivered ? verify(signingSecret, delivered) : null).toMatchObject({
      type: 'escalation.raised',
      data: { escalation: { id: escalation.id } },
    });

    // Nothing more is ever sent for this event (acknowledged, so no re-escalation sends a new one either).
    await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id });
    await advance(townId, 20 * HOUR_MS);
    const hooks = await receivedHooks(townId);
    expect(hooks.map((h) => h.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(hooks.map((h) => h.headers['webhook-id']))).toEqual(new Set([eventId]));
    // Every attempt carries the same body and a signature of it.
    expect(new Set(hooks.map((h) => h.body)).size).toBe(1);
  });

  it('marks a delivery failed after 8 attempts and stops', async () => {
    const { townId, rigId } = await hookedTown();
    await planHook(townId, { failures: 100, status: 500 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'critical', message: 'x' });
    await settle(townId);
    for (let i = 0; i < 10; i++) await advance(townId, 11 * HOUR_MS);
    expect(await receivedHooks(townId)).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: escalation.id });
    expect(deliveries.find((d) => d.channel === 'webhook')).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null });
    expect(deliveries.find((d) => d.channel === 'mayor')).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('loses nothing when the TownDO is evicted before or between attempts', async () => {
    const { townId, rigId, stub } = await hookedTown();
    await planHook(townId, { failures: 1, status: 502 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'one' });
    await settle(townId);
    await evictDurableObject(stub); // between the failed first attempt and its retry
    const second = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'two' });
    await evictDurableObject(stub); // before the second's first attempt may have run
    await advance(townId, 10_000);
    const ok = (await receivedHooks(townId)).filter((h) => h.status === 200).map((h) => h.headers['webhook-id']);
    const expected = [...(await routingEventIds(townId, first.escalation.id)), ...(await routingEventIds(townId, second.escalation.id))];
    expect(ok.sort()).toEqual(expected.sort());
    expect((await outboxRows(townId)).every((r) => r.status === 'delivered')).toBe(true);
    expect((await api.mayor.mail.list.query({ townId })).items).toHaveLength(2);
  });

  it('stops sending to an endpoint that answers 410 Gone until a URL is set again', async () => {
    const { townId, rigId } = await hookedTown();
    await planHook(townId, { failures: 1, status: 410 });
    const gone = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'one' });
    await settle(townId);
    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: gone.escalation.id });
    expect(deliveries.find((d) => d.channel === 'webhook')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'endpoint answered 410 Gone',
    });
    expect((await api.escalation.getRouting.query({ townId })).webhookDisabled).toMatchObject({ reason: expect.stringContaining('410') });

    const after = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'two' });
    expect(after.routedTo).toEqual(['mayor']);
    await settle(townId);
    expect(await receivedHooks(townId)).toHaveLength(1);

    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    expect((await api.escalation.getRouting.query({ townId })).webhookDisabled).toBeNull();
    const again = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'three' });
    expect(again.routedTo).toEqual(['mayor', 'webhook']);
    await settle(townId);
    expect((await receivedHooks(townId)).map((h) => h.status)).toEqual([410, 200]);
  });

  it('gives up an attempt that gets no answer in time', async () => {
    const name = `slow-${crypto.randomUUID()}`;
    await planHook(name, { failures: 1, status: 200, hold: true }); // no answer until released
    const result = await postWebhook({
      url: hookUrl(name),
      secrets: [devSigningSecret()],
      eventId: 'evt-slow',
      payload: { type: 't', timestamp: new Date().toISOString(), data: {} },
      now: new Date(),
      timeoutMs: 100,
    });
    expect(result).toEqual({ ok: false, error: 'no answer within 100 ms' });
    await releaseHooks(name);
  });

  it('fails visibly, and keeps retrying, while the town has no signing secret (a URL set before towns had secrets)', async () => {
    const { townId, rigId, stub } = await hookedTown();
    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec('delete from webhook_secrets'));
    vi.useFakeTimers({ toFake: ['Date'] });
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'no secret' });
    await settle(townId);
    const row = (await outboxRows(townId)).find((r) => r.channel === 'webhook' && JSON.stringify(r.payload).includes(escalation.id));
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringContaining('the town has no webhook signing secret'),
    });
    expect(await receivedHooks(townId)).toEqual([]);
    // The environment's secret never stands in for the town's: rotating creates one, and the retry delivers.
    const { signingSecret } = await api.escalation.rotateSigningSecret.mutate({ townId });
    await advance(townId, 10_000);
    expect((await outboxRows(townId)).find((r) => r.id === row?.id)).toMatchObject({ status: 'delivered', attempts: 2 });
    const hooks = await receivedHooks(townId);
    expect(hooks.map((h) => h.status)).toEqual([200]);
    expect(() => verify(devSigningSecret(), hooks[0] as (typeof hooks)[number])).toThrow();
    expect(verify(signingSecret, hooks[0] as (typeof hooks)[number])).toMatchObject({ type: 'escalation.raised' });
  });
});
