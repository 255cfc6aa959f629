import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newTownId } from '../helpers';

// Finding 7 of the attacker's run: `GET /` sent no security headers. The dashboard and its assets get
// theirs from web/_headers (Workers static assets; checked in test/browser against wrangler dev);
// every `/trpc` answer, success, error, refusal or event stream, is `Cache-Control: no-store` + nosniff.

const townId = newTownId('attack-headers');
const call = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`http://town.test${path}`, init));
const input = (value: unknown) => `?input=${encodeURIComponent(JSON.stringify(value))}`;
const admin = { authorization: 'Bearer dev-token' };

describe('attack: cacheable API answers', () => {
  it.each([
    ['a query', () => call(`/trpc/rig.list${input({ townId })}`, { headers: admin })],
    [
      'a mutation',
      () =>
        call('/trpc/rig.register', {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({ townId, name: 'h' }),
        }),
    ],
    ['a refusal', () => call(`/trpc/rig.list${input({ townId })}`)],
    ['a gate refusal of a stream', () => call(`/trpc/event.subscribe${input({ townId })}`)],
    ['an event stream', () => call(`/trpc/event.subscribe${input({ townId })}`, { headers: admin })],
    ['an unknown procedure', () => call('/trpc/nope', { headers: admin })],
  ])('%s answers Cache-Control: no-store and nosniff', async (_label, request) => {
    const res = await request();
    await res.body?.cancel();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
