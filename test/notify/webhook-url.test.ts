import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../server/core/errors';
import { openTownDb } from '../../server/core/town-db';
import { raiseEscalation } from '../../server/escalations/escalations';
import { setRouting } from '../../server/escalations/routing-update';
import { deliverOutboxTask } from '../../server/notify/delivery';
import { privateHostProblem } from '../../server/notify/private-address';
import { webhookUrlProblem } from '../../server/notify/targets';
import { client, quietConsole, raisedEventIdIn } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, townWithRig } from '../town-helpers';

afterEach(() => vi.restoreAllMocks());

// Deployed (ENVIRONMENT != 'dev'): [url, the problem's wording or null when allowed]. The URL parser
// normalises hosts first, so the odd spellings of an address are caught as the address itself.
const DEPLOYED: [string, RegExp | null][] = [
  ['https://hooks.example.com/town', null],
  ['https://93.184.216.34/hook', null],
  ['https://172.32.0.1/', null],
  ['https://192.169.0.1/', null],
  ['https://169.255.0.1/', null],
  ['https://10.example.com/', null], // a name, not an address
  ['https://[2606:4700:4700::1111]/', null],
  ['https://[::ffff:8.8.8.8]/', null],
  ['http://hooks.example.com/town', /must be an https: URL/],
  ['ftp://hooks.example.com/', /must be an https: URL/],
  ['https://10.1.2.3/', /private \(IPv4 private\)/],
  ['https://172.16.0.1/', /private/],
  ['https://172.31.255.255/', /private/],
  ['https://192.168.1.1/', /private/],
  ['https://127.0.0.1:8443/', /loopback/],
  ['https://127.1/', /loopback/], // short form
  ['https://0x7f.0.0.1/', /loopback/], // hex form
  ['https://2130706433/', /loopback/], // one decimal number
  ['https://0177.0.0.1/', /loopback/], // octal form
  ['https://169.254.169.254/latest/meta-data', /link-local/],
  ['https://0.0.0.0/', /unspecified/],
  ['https://localhost/', /localhost/],
  ['https://LOCALHOST./', /localhost/],
  ['https://hooks.localhost/', /localhost/],
  ['https://[::1]/', /loopback \(IPv6/],
  ['https://[0:0:0:0:0:0:0:1]/', /loopback \(IPv6/],
  ['https://[::]/', /unspecified/],
  ['https://[fc00::1]/', /unique local/],
  ['https://[fdab:cdef::1]/', /unique local/],
  ['https://[fe80::1]/', /link-local \(IPv6/],
  ['https://[febf::1]/', /link-local \(IPv6/],
  ['https://[::ffff:127.0.0.1]/', /IPv4-mapped loopback/],
  ['https://[::ffff:10.0.0.1]/', /IPv4-mapped private/],
  ['https://[::ffff:a9fe:a9fe]/', /IPv4-mapped link-local/],
  ['https://[::ffff:192.168.0.1]/', /IPv4-mapped private/],
  ['https://100.64.0.1/', /shared address space/],
  ['https://100.127.255.254/', /shared address space/],
  ['https://100.128.0.1/', null],
  ['https://100.63.255.255/', null],
  ['https://198.18.0.1/', /reserved/],
  ['https://198.19.255.255/', /reserved/],
  ['https://198.20.0.1/', null],
  ['https://192.0.0.8/', /reserved/],
  ['https://192.0.1.1/', null],
  ['https://224.0.0.1/', /multicast/],
  ['https://239.255.255.250/', /multicast/],
  ['https://240.0.0.1/', /reserved/],
  ['https://255.255.255.255/', /broadcast/],
  ['https://223.255.255.255/', null],
  ['https://[::ffff:100.64.0.1]/', /IPv4-mapped shared address space/],
  ['https://[64:ff9b::127.0.0.1]/', /NAT64/],
  ['https://[64:ff9b::a00:1]/', /NAT64/],
  ['https://[64:ff9b::169.254.169.254]/', /NAT64/],
  // NAT64 and 6to4 gateways are refused whatever they embed: not public unicast (ipaddr.js ranges).
  ['https://[64:ff9b::8.8.8.8]/', /NAT64/],
  ['https://[2002:7f00:1::]/', /6to4/],
  ['https://[2002:c0a8:101::1]/', /6to4/],
  ['https://[2002:a9fe:a9fe::]/', /6to4/],
  ['https://[2002:808:808::1]/', /6to4/],
  ['not a url', /not a valid URL/],
];

describe('webhook URL policy', () => {
  it.each(DEPLOYED)('deployed: %s', (url, problem) => {
    const found = webhookUrlProblem(url, false);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
    if (found) expect(found).toMatch(/^webhookUrl: /);
  });

  it('local dev allows http: to anything, including 127.0.0.1, but only http(s)', () => {
    expect(webhookUrlProblem('http://127.0.0.1:8787/hook', true)).toBeNull();
    expect(webhookUrlProblem('http://localhost/hook', true)).toBeNull();
    expect(webhookUrlProblem('https://[::1]/', true)).toBeNull();
    expect(webhookUrlProblem('file:///etc/passwd', true)).toMatch(/http: or https:/);
  });

  it('classifies hosts as the URL parser gives them', () => {
    expect(privateHostProblem(new URL('https://[::FFFF:7F00:1]/').hostname)).toMatch(/loopback/);
    expect(privateHostProblem('[1:2:3:4:5:6:7:8:9]')).toMatch(/not a valid IPv6/);
    expect(privateHostProblem('[fe80::1::2]')).toMatch(/not a valid IPv6/);
    expect(privateHostProblem('example.com')).toBeNull();
  });
});

describe('webhook URL policy in a deployed town', () => {
  const deployed = (over: Partial<Env> = {}) => ({ ...env, ENVIRONMENT: 'production', ...over }) as Env;

  it('setRouting refuses a private address with BAD_REQUEST naming webhookUrl, storing nothing', async () => {
    const { townId, stub } = await townWithRig('ssrf');
    const before = await client().escalation.getRouting.query({ townId });
    await runInDurableObject(stub, async (_i, state) => {
      const ctx = { db: await openTownDb(state.storage), env: deployed(), townId, now: () => new Date() };
      for (const url of ['https://10.0.0.8/hook', 'https://[::ffff:127.0.0.1]/', 'http://hooks.example.com/']) {
        const error = (() => {
          try {
            setRouting(ctx, { webhookUrl: url });
          } catch (e) {
            return e;
          }
        })();
        expect(error, url).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('BAD_REQUEST');
        expect((error as DomainError).message).toMatch(/^webhookUrl: /);
      }
      expect(setRouting(ctx, { webhookUrl: 'https://hooks.example.com/town' }).webhookUrl).toBe('https://hooks.example.com/town');
    });
    expect(before.webhookUrl).toBeNull();
  });

  it.each([
    ['an environment default', { ESCALATION_WEBHOOK_URL: 'https://10.0.0.5/hook' }, false],
    ['a URL stored in local dev', {}, true],
  ])('refuses at delivery time %s that points at a private address, without sending', async (_label, over, storeInDev) => {
    const { townId, stub } = await townWithRig('ssrf-late');
    if (storeInDev) await client().escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    quietConsole('error');
    const outboxId = await runInDurableObject(stub, async (_i, state) => {
      const ctx = { db: await openTownDb(state.storage), env: deployed(over), townId, now: () => new Date() };
      const { escalation, routedTo } = raiseEscalation(ctx, { sourceRigId: 'town-container', severity: 'high', message: 'x' });
      expect(routedTo).toContain('webhook');
      const id = `${raisedEventIdIn(ctx.db, escalation.id)}:webhook`;
      const task = { id: `outbox:${id}`, kind: 'outbox.deliver', payload: { outboxId: id }, attempts: 0 };
      expect(await deliverOutboxTask(ctx, task, new Set())).toBeUndefined(); // final: no retry
      return id;
    });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect((await outboxRows(townId)).find((r) => r.id === outboxId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringMatching(/^refused: webhookUrl: must (not point at a private|be an https: URL)/),
    });
    expect(await receivedHooks(townId)).toEqual([]);
  });
});
