import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSignedOut } from '../../client/index';
import { api } from '../convoys/convoy-helpers';
import { allEvents, client, newTownId } from '../helpers';
import { shortenKeepAlive, subscribe, untilHubSize } from './stream-helpers';

afterEach(() => vi.restoreAllMocks());

const subscribeUrl = (input: unknown, extra = '') =>
  `http://town.test/trpc/event.subscribe?input=${encodeURIComponent(JSON.stringify(input))}${extra}`;

/** Reads an event stream's text until `until` matches (or it ends), then cancels it. */
async function readUntil(res: Response, until: RegExp): Promise<string> {
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    while (reader && !until.test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader?.cancel();
  }
  return text;
}

describe('event.subscribe: auth and isolation', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer dev-tokex' }],
    ['another scheme', { authorization: 'Basic dev-token' }],
  ])('refuses %s with HTTP 401 before any stream starts', async (_label, headers) => {
    const res = await exports.default.fetch(new Request(subscribeUrl({ townId: newTownId('auth') }), { headers }));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe('UNAUTHORIZED');
    expect(JSON.stringify(body)).not.toContain('dev-token');
  });

  it.each(['token', 'access_token', 'Authorization'])(
    'refuses a credential in the query string (?%s=…), even with a valid header',
    async (name) => {
      const townId = newTownId('url-token');
      const alone = await exports.default.fetch(new Request(subscribeUrl({ townId }, `&${name}=dev-token`)));
      expect(alone.status).toBe(400);
      const withHeader = await exports.default.fetch(
        new Request(subscribeUrl({ townId }, `&${name}=dev-token`), { headers: { authorization: 'Bearer dev-token' } }),
      );
      expect(withHeader.status).toBe(400);
      expect(((await withHeader.json()) as { error: { message: string } }).error.message).toMatch(/never accepted in a URL/);
      // Not for subscriptions only: a query carrying one is refused the same way.
      const query = await exports.default.fetch(
        new Request(`http://town.test/trpc/rig.list?input=${encodeURIComponent(JSON.stringify({ townId }))}&${name}=x`, {
          headers: { authorization: 'Bearer dev-token' },
        }),
      );
      expect(query.status).toBe(400);
    },
  );

  it('streams with the bearer header: the retry delay, the connected event, then pings while idle', async () => {
    const townId = newTownId('ping');
    await api.rig.register.mutate({ townId, name: 'a' });
    await shortenKeepAlive(townId);
    const res = await exports.default.fetch(new Request(subscribeUrl({ townId }), { headers: { authorization: 'Bearer dev-token' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await readUntil(res, /event: ping/);
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    expect(text).toContain('event: connected');
    expect(text).toContain('event: ping');
    // The TownDO notices the stream's consumer left at its next keep-alive write, and forgets it.
    await untilHubSize(townId, 0);
  }, 30_000); // waits for one 10 s ping

  it('the typed client with a wrong token gets UNAUTHORIZED and no events', async () => {
    const townId = newTownId('client-auth');
    const errors: unknown[] = [];
    const heard: unknown[] = [];
    const sub = client('wrong-token').event.subscribe.subscribe(
      { townId },
      { onData: (d) => heard.push(d), onError: (e) => errors.push(e) },
    );
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    // The Worker's real 401 reaches onError with its code (client/index.ts hands it to the link as an error event).
    expect((errors[0] as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
    expect(isSignedOut(errors[0])).toBe(true);
    expect(heard).toEqual([]);
    sub.unsubscribe();
  });

  it('a town’s stream carries only its own events, whatever ids the filters name', async () => {
    const a = newTownId('iso-a');
    const b = newTownId('iso-b');
    const rigA = await api.rig.register.mutate({ townId: a, name: 'a' });
    const rigB = await api.rig.register.mutate({ townId: b, name: 'b' });
    const [bFirst] = await allEvents({ townId: b });
    const all = subscribe({ townId: b, lastEventId: bFirst?.id });
    const aimed = subscribe({ townId: b, rigId: rigA.id });
    await untilHubSize(b, 2);
    const convoyA = await api.convoy.create.mutate({ townId: a, title: 'only A', beads: [{ rigId: rigA.id, title: 'x' }] });
    await api.convoy.create.mutate({ townId: b, title: 'only B', beads: [{ rigId: rigB.id, title: 'y' }] });
    await all.waitFor(2);
    expect(all.events.map((e) => e.type)).toEqual(['convoy.created', 'convoy.beads_delivered']);
    expect(JSON.stringify(all.events)).not.toContain(convoyA.id);
    expect(aimed.events).toEqual([]);
    all.stop();
    aimed.stop();
  });

  it('filters a stream by type and by id', async () => {
    const townId = newTownId('filters');
    const north = await api.rig.register.mutate({ townId, name: 'north' });
    const south = await api.rig.register.mutate({ townId, name: 'south' });
    const [first] = await allEvents({ townId });
    const created = subscribe({ townId, lastEventId: first?.id, types: ['convoy.created'] });
    const southOnly = subscribe({ townId, lastEventId: first?.id, rigId: south.id });
    await api.convoy.create.mutate({ townId, title: 'n', beads: [{ rigId: north.id, title: 'x' }] });
    await api.convoy.create.mutate({ townId, title: 's', beads: [{ rigId: south.id, title: 'y' }] });
    await created.waitFor(2);
    await southOnly.waitFor(2);
    expect(created.events.map((e) => e.type)).toEqual(['convoy.created', 'convoy.created']);
    expect(southOnly.events.map((e) => [e.type, e.rigId])).toEqual([
      ['rig.registered', south.id],
      ['convoy.beads_delivered', south.id],
    ]);
    created.stop();
    southOnly.stop();
  });
});
