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
      expect(Object.keys(routing).filter((k) => /secret/i.test(k))).toEqual(['signingSecretConfigured', 'signingSecretRotatedAt']);
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

  it('tokens and town webhook secrets appear only in the one answer that hands them out: never in logs, events or other answers', async () => {
    const signingKey = env.TOKEN_SIGNING_KEY as string;
    const answers: { path: string; body: string }[] = [];
    const recording = (token: string) =>
      createTownClient({
        url: 'http://town.test',
        token,
        fetch: async (input, init) => {
          const res = await exports.default.fetch(new Request(input, init));
          answers.push({ path: new URL(typeof input === 'string' ? input : input.toString()).pathname, body: await res.clone().text() });
          return res;
        },
      });
    const admin = recording('dev-token');
    const townId = newTownId('secrets-tenancy');
    const handedOut: { value: string; by: string }[] = [];

    const lines = await captureConsole(async () => {
      const rig = await admin.rig.register.mutate({ townId, name: 'alpha' });
      const set = await admin.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
      handedOut.push({ value: set.signingSecret ?? 'missing', by: '/trpc/escalation.setRouting' });
      const rotated = await admin.escalation.rotateSigningSecret.mutate({ townId });
      handedOut.push({ value: rotated.signingSecret, by: '/trpc/escalation.rotateSigningSecret' });
      const townToken = await admin.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 600, label: 'web app' });
      handedOut.push({ value: townToken.token, by: '/trpc/auth.issueToken' });
      const town = recording(townToken.token);
      const rigToken = await town.auth.issueToken.mutate({ townId, role: 'rig', rigId: rig.id, ttlSeconds: 600 });
      handedOut.push({ value: rigToken.token, by: '/trpc/auth.issueToken' });
      const agent = recording(rigToken.token);
      await agent.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'critical', message: 'tests fail' });
      await settle(townId);
      await town.auth.listTokens.query({ townId });
      await town.escalation.getRouting.query({ townId });
      await town.event.list.query({ townId, limit: 200 });
      await town.mayor.briefing.query({ townId });
      await agent.convoy.list.query({ townId }).catch(() => null);
      await agent.rig.list.query({ townId }).catch(() => null); // refused: FORBIDDEN
      await town.auth.revokeToken.mutate({ townId, tokenId: rigToken.tokenId });
      await agent.convoy.list.query({ townId }).catch(() => null); // refused: UNAUTHORIZED
      await town.auth.revokeAll.mutate({ townId });
    });

    // The run issued, used, refused and delivered (signed): the checks below are not vacuous.
    expect((await receivedHooks(townId)).length).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(12);
    const events = lines.flatMap((l) => (l.startsWith('{') ? [(JSON.parse(l) as { event: string }).event] : []));
    expect(events).toEqual(
      expect.arrayContaining(['auth.token_issued', 'auth.token_revoked', 'auth.tokens_revoked_all', 'webhook.signing_secret_rotated']),
    );

    const secretParts = (value: string) => [value.replace(/^whsec_/, ''), value.split('.')[2] ?? value];
    for (const { value, by } of handedOut) {
      for (const part of secretParts(value)) {
        expect(lines.filter((l) => l.includes(part))).toEqual([]);
        // Only in the one answer that handed it out.
        expect(answers.filter((a) => a.body.includes(part)).map((a) => a.path)).toEqual([by]);
      }
    }
    expect(lines.filter((l) => l.includes(signingKey))).toEqual([]);
    expect(answers.filter((a) => a.body.includes(signingKey))).toEqual([]);
  });
});
