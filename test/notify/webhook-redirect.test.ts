import { afterEach, describe, expect, it, vi } from 'vitest';
import { postWebhook } from '../../server/notify/webhook';
import { client, devSigningSecret, quietConsole } from '../helpers';
import { hookUrl, planHook, receivedHooks } from '../receiver';
import { settle, townWithRig } from '../town-helpers';

// A webhook endpoint that redirects must not be able to send the signed body on to another host
// (an allowed https URL redirecting to http: or to a private address): redirects are not followed.

const api = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('webhook redirects', () => {
  it('counts a 307 as a failed attempt, retried later, and never posts to its Location', async () => {
    quietConsole('warn');
    const { townId, rigId } = await townWithRig('redirect');
    const [endpoint, elsewhere] = [`${townId}-endpoint`, `${townId}-elsewhere`];
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(endpoint) });
    await planHook(endpoint, { failures: 1, status: 307, location: hookUrl(elsewhere) });
    vi.useFakeTimers({ toFake: ['Date'] });
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'x' });
    await settle(townId);
    const webhook = async () =>
      (await api.escalation.deliveries.query({ townId, escalationId: escalation.id })).find((d) => d.channel === 'webhook');

    expect(await webhook()).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: `endpoint answered HTTP 307 (redirect to ${hookUrl(elsewhere)}): redirects are not followed`,
    });
    expect(await receivedHooks(elsewhere)).toEqual([]);
    expect((await api.escalation.getRouting.query({ townId })).webhookDisabled).toBeNull();

    vi.setSystemTime(Date.now() + 10_000); // the retry, to the configured URL itself
    await settle(townId);
    expect(await webhook()).toMatchObject({ status: 'delivered', attempts: 2 });
    expect((await receivedHooks(endpoint)).map((h) => h.status)).toEqual([307, 200]);
    expect(await receivedHooks(elsewhere)).toEqual([]);
  });

  it.each([301, 302, 303, 308])('does not follow a %i either', async (status) => {
    const [endpoint, elsewhere] = [`redirect-${status}-${crypto.randomUUID()}`, `elsewhere-${crypto.randomUUID()}`];
    await planHook(endpoint, { failures: 1, status, location: hookUrl(elsewhere) });
    const result = await postWebhook({
      url: hookUrl(endpoint),
      secrets: [devSigningSecret()],
      eventId: `evt-${status}`,
      payload: { type: 't', timestamp: new Date().toISOString(), data: {} },
      now: new Date(),
    });
    expect(result).toEqual({
      ok: false,
      error: `endpoint answered HTTP ${status} (redirect to ${hookUrl(elsewhere)}): redirects are not followed`,
    });
    expect(await receivedHooks(elsewhere)).toEqual([]);
  });
});
