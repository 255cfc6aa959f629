import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createTownClient, type TownFetch } from '../../client/index';
import { buildBriefing } from '../../server/mayor/briefing';
import { newTownId } from '../helpers';

// The typed client's split link: queries batched, mutations one request each, subscriptions over SSE
// with the token in a header. Counted at the client's fetch, which the Worker answers for real.

function countingClient() {
  const requests: { method: string; url: string; authorization: string | null; accept: string | null }[] = [];
  const fetch: TownFetch = (input, init) => {
    const req = new Request(input, init);
    requests.push({ method: req.method, url: req.url, authorization: req.headers.get('authorization'), accept: req.headers.get('accept') });
    return exports.default.fetch(req);
  };
  return { api: createTownClient({ url: 'http://town.test', token: 'dev-token', fetch }), requests };
}

describe('createTownClient', () => {
  it('sends the Mayor’s briefing reads (six queries made together) as one request', async () => {
    const townId = newTownId('client');
    const { api, requests } = countingClient();
    await api.rig.register.mutate({ townId, name: 'alpha' });
    requests.length = 0;
    const briefing = await buildBriefing(api, townId, { items: [], nextCursor: null }, new Date());
    expect(briefing.rigs.map((r) => r.name)).toEqual(['alpha']);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('GET');
    expect(new URL(requests[0]?.url ?? '').pathname).toBe(
      '/trpc/rig.list,watchdog.status,convoy.list,convoy.list,escalation.list,town.status',
    );
  });

  it('sends mutations one request each (a batch would share one body limit)', async () => {
    const townId = newTownId('client');
    const { api, requests } = countingClient();
    await Promise.all([api.rig.register.mutate({ townId, name: 'a' }), api.rig.register.mutate({ townId, name: 'b' })]);
    expect(requests.map((r) => [r.method, new URL(r.url).pathname])).toEqual([
      ['POST', '/trpc/rig.register'],
      ['POST', '/trpc/rig.register'],
    ]);
  });

  it('subscribes over Server-Sent Events with the token in the Authorization header, never in the URL', async () => {
    const townId = newTownId('client');
    const { api, requests } = countingClient();
    const rig = await api.rig.register.mutate({ townId, name: 'a' });
    const heard: string[] = [];
    const sub = api.event.subscribe.subscribe({ townId, lastEventId: '0000000000000000' }, { onData: (e) => heard.push(e.data.type) });
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual(['rig.registered']);
    sub.unsubscribe();
    const stream = requests.find((r) => r.accept === 'text/event-stream');
    expect(stream).toMatchObject({ method: 'GET', authorization: 'Bearer dev-token' });
    expect(stream?.url).not.toContain('dev-token');
    expect(requests.every((r) => !r.url.includes('dev-token') && r.authorization === 'Bearer dev-token')).toBe(true);
    expect(rig.name).toBe('a');
  });
});
