import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openTownDb } from '../../server/core/town-db';
import { setRouting } from '../../server/escalations/routing-update';
import { webhookUrlProblem } from '../../server/notify/targets';
import { newTownId, townStub } from '../helpers';

// Finding 6 of the attacker's run (production mode): setRouting accepted [fec0::1] (site-local),
// [ff02::1] (multicast), [64:ff9b:1::a9fe:a9fe] (local-use NAT64 to 169.254.169.254), `user:pass@` in
// the URL and any port (`:22`). Ranges are ipaddr.js's; only public unicast passes. Names are not
// resolved (the Workers runtime cannot reach private networks; see docs/tenancy.md).

const ATTACKS: [string, RegExp][] = [
  ['https://[fec0::1]/', /site-local/],
  ['https://[ff02::1]/', /multicast/],
  ['https://[64:ff9b:1::a9fe:a9fe]/', /NAT64/],
  ['https://[::a9fe:a9fe]/', /IPv4-compatible/],
  ['https://[100::1]/', /discard/],
  ['https://[2001:db8::1]/', /reserved/],
  ['https://user:pass@hooks.example.com/', /user name or password/],
  ['https://token@hooks.example.com/', /user name or password/],
  ['https://hooks.example.com:22/', /port 22 is not one of 443, 80, 8443/],
  ['https://hooks.example.com:6379/', /port 6379/],
];

describe('attack: webhook URLs past the SSRF guard (deployed)', () => {
  it.each(ATTACKS)('%s is refused', (url, problem) => {
    expect(webhookUrlProblem(url, false)).toMatch(problem);
  });

  it.each([
    'https://hooks.example.com/',
    'https://hooks.example.com:443/',
    'https://hooks.example.com:8443/',
    'https://hooks.example.com:80/',
  ])('%s is accepted', (url) => {
    expect(webhookUrlProblem(url, false)).toBeNull();
  });

  it("another port only with the town's webhookAllowAnyPort; addresses and userinfo stay refused", async () => {
    expect(webhookUrlProblem('https://hooks.example.com:9000/', false, true)).toBeNull();
    expect(webhookUrlProblem('https://[ff02::1]:9000/', false, true)).toMatch(/multicast/);
    expect(webhookUrlProblem('https://u:p@hooks.example.com:9000/', false, true)).toMatch(/user name/);
    const townId = newTownId('attack-port');
    const deployed = { ...env, ENVIRONMENT: 'production' } as Env;
    await runInDurableObject(townStub(townId), async (_i, state) => {
      const ctx = { db: await openTownDb(state.storage), env: deployed, townId, now: () => new Date(), eventAppended: () => {} };
      const url = 'https://hooks.example.com:9000/town';
      expect(() => setRouting(ctx, { webhookUrl: url })).toThrow(/port 9000/);
      const set = setRouting(ctx, { webhookUrl: url, webhookAllowAnyPort: true });
      expect(set).toMatchObject({ webhookUrl: url, webhookAllowAnyPort: true });
      // Turning it off again while the URL needs it is refused, so the stored pair stays deliverable.
      expect(() => setRouting(ctx, { webhookAllowAnyPort: null })).toThrow(/port 9000/);
    });
  });
});
