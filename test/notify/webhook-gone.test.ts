import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { client, quietConsole } from '../helpers';
import { arrivedHooks, hookUrl, planHook, receivedHooks, releaseHooks } from '../receiver';
import { settle, townWithRig } from '../town-helpers';

// A 410 Gone disables the endpoint that answered it, never a URL the operator set while it was answering.

const api = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done`; a condition that is never reached ends in the test's own timeout. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await sleep(20);
  }
}

describe('webhook 410 Gone', () => {
  it('a slow 410 from the old URL does not disable the URL set while it was answering', async () => {
    quietConsole('warn', 'error');
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => logged.push(String(line)));
    const { townId, rigId, stub } = await townWithRig('gone');
    const [oldHook, newHook] = [`${townId}-old`, `${townId}-new`];
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(oldHook) });
    // The old URL holds its 410 until the test releases it: no clock decides the order below.
    await planHook(oldHook, { failures: 1, status: 410, hold: true });

    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'x' });
    // The first attempt posts to the old URL (this alarm run, or one that fired on its own) and waits.
    const attempt = runDurableObjectAlarm(stub);
    await until(
      () => arrivedHooks(oldHook),
      (n) => n === 1,
    );
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(newHook) });
    await releaseHooks(oldHook);
    await attempt;
    const webhook = async () =>
      (await api.escalation.deliveries.query({ townId, escalationId: escalation.id })).find((d) => d.channel === 'webhook');
    const first = await until(webhook, (d) => (d?.attempts ?? 0) >= 1);
    expect((await receivedHooks(oldHook)).map((h) => h.status)).toEqual([410]);

    const routing = await api.escalation.getRouting.query({ townId });
    expect(routing).toMatchObject({ webhookUrl: hookUrl(newHook), webhookDisabled: null });
    // The operator's log says why the 410 disabled nothing (docs/operations.md, "Operator logs").
    expect(logged.map((l) => JSON.parse(l) as { event: string }).filter((l) => l.event === 'webhook.gone_after_url_change')).toHaveLength(
      1,
    );
    // The 410 spoke for the old endpoint only: the event is retried, and reaches the new one.
    expect(first).toMatchObject({
      status: 'pending',
      lastError: expect.stringMatching(/^endpoint answered 410 Gone from a URL replaced meanwhile/),
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10_000);
    await settle(townId);
    expect(await webhook()).toMatchObject({ status: 'delivered', attempts: 2 });
    expect((await receivedHooks(newHook)).map((h) => h.status)).toEqual([200]);
  });

  it('a 410 from the current URL still disables it', async () => {
    quietConsole('warn', 'error');
    const { townId, rigId } = await townWithRig('gone');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    await planHook(townId, { failures: 1, status: 410 });
    await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'x' });
    await settle(townId);
    expect(await api.escalation.getRouting.query({ townId })).toMatchObject({
      webhookUrl: hookUrl(townId),
      webhookDisabled: { reason: expect.stringContaining('410') },
    });
  });
});
