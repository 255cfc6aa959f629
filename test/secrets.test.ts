import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTownClient } from '../client/index';
import { breakMethod } from './convoys/convoy-helpers';
import { newTownId, townStub } from './helpers';
import { hookUrl, planHook, receivedHooks } from './receiver';
import { rawCall } from './router-procedures';
import { settle } from './town-helpers';

afterEach(() => vi.restoreAllMocks());

/** Every console line written while `fn` runs (workers and DOs share the test's isolate and console). */
async function captureConsole(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(
        args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
      );
    });
  }
  await fn();
  return lines;
}

describe('secrets', () => {
  it('never appear in responses or logs: a run that configures a webhook, delivers, retries and fails', async () => {
    const token = env.TOWN_API_TOKEN as string;
    const secret = env.WEBHOOK_SIGNING_SECRET as string;
    const secrets = [token, secret, secret.replace(/^whsec_/, '')];
    const bodies: string[] = [];
    // The typed client, recording every response body it gets.
    const api = createTownClient({
      url: 'http://town.test',
      token,
      fetch: async (input, init) => {
        const res = await exports.default.fetch(new Request(input, init));
        bodies.push(await res.clone().text());
        return res;
      },
    });
    const townId = newTownId('secrets');

    const lines = await captureConsole(async () => {
      const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
      await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId), emailTo: 'oncall@example.com' });
      await planHook(townId, { failures: 1, status: 500 });
      vi.useFakeTimers({ toFake: ['Date'] });
      await api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'critical', message: 'disk full' });
      await settle(townId);
      vi.setSystemTime(Date.now() + 60_000); // past the webhook's first retry
      await settle(townId);
      vi.useRealTimers();
      const routing = await api.escalation.getRouting.query({ townId });
      expect(routing.signingSecretConfigured).toBe(true);
      expect(Object.keys(routing).filter((k) => /secret/i.test(k))).toEqual(['signingSecretConfigured']);
      // A refused token, a bad input and an unexpected failure, each logged or answered.
      for (const attempt of [{ token: 'wrong' }, { token: `${token}x` }]) {
        bodies.push(await (await rawCall({ path: 'rig.list', type: 'query' }, { townId }, attempt)).text());
      }
      bodies.push(await (await rawCall({ path: 'rig.register', type: 'mutation' }, { townId, name: secret })).text());
      const broken = await breakMethod(townStub(townId), 'listRigs');
      bodies.push(await (await rawCall({ path: 'rig.list', type: 'query' }, { townId })).text());
      broken.restore();
    });

    // The run really delivered (signed with the secret) and logged: the check below is not vacuous.
    const hooks = await receivedHooks(townId);
    expect(hooks.map((h) => h.status)).toEqual([500, 200]);
    expect(hooks[1]?.headers['webhook-signature']).toMatch(/^v1,/);
    const events = lines.flatMap((l) => (l.startsWith('{') ? [(JSON.parse(l) as { event: string }).event] : []));
    expect(events).toEqual(expect.arrayContaining(['escalation.routing_set', 'outbox.retry', 'outbox.delivered', 'trpc.error']));
    expect(bodies.length).toBeGreaterThan(5);

    for (const value of secrets) {
      expect(lines.filter((l) => l.includes(value))).toEqual([]);
      expect(bodies.filter((b) => b.includes(value))).toEqual([]);
    }
  });
});
