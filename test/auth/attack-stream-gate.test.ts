import { exports } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { client, newTownId } from '../helpers';
import { issueToken } from './token-helpers';

// Finding 5 of the attacker's run: the pre-stream check was skipped for `/trpc/event.subscribe/` and
// `/trpc/event%2Esubscribe` (a revoked token got HTTP 200 + a serialized-error event), and a bad
// `lastEventId` / `Last-Event-ID` got 200 + an error event instead of a 400. Every spelling of the path
// goes through the gate, and a bad cursor is a real HTTP 400, before any stream starts.

const townId = newTownId('attack-gate');
const admin = client();
let revoked = '';
let live = '';

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const rigId = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
  const token = await issueToken(townId, 'rig', rigId);
  await admin.auth.revokeToken.mutate({ townId, tokenId: token.tokenId });
  revoked = token.token;
  live = (await issueToken(townId, 'rig', rigId)).token;
});
afterAll(() => vi.restoreAllMocks());

async function open(path: string, token: string, input: Record<string, unknown> = { townId }, headers: Record<string, string> = {}) {
  const url = `http://town.test${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await exports.default.fetch(new Request(url, { headers: { authorization: `Bearer ${token}`, ...headers } }));
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('application/json') ? ((await res.json()) as { error?: { message: string; data: { code: string } } }) : null;
  if (!body) await res.body?.cancel();
  return { status: res.status, type, code: body?.error?.data.code ?? null, message: body?.error?.message ?? null };
}

const SPELLINGS = [
  '/trpc/event.subscribe',
  '/trpc/event.subscribe/',
  '/trpc/event.subscribe//',
  '/trpc/event%2Esubscribe',
  '/trpc/event%2esubscribe/',
  '/trpc//event.subscribe',
  '/TRPC/event.subscribe',
  '/trpc/Event.Subscribe',
];

describe('attack: spellings of the subscription path', () => {
  it.each(SPELLINGS)('%s with a revoked token → HTTP 401 JSON, never a 200 stream', async (path) => {
    expect(await open(path, revoked)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it.each(SPELLINGS.slice(0, 6))('%s with a live token streams (the same procedure)', async (path) => {
    const got = await open(path, live);
    expect(got).toMatchObject({ status: 200 });
    expect(got.type).toContain('text/event-stream');
  });
});

describe('attack: a bad resume cursor', () => {
  it.each([
    ['input lastEventId, not an id', { townId, lastEventId: 'zzz' }, {}],
    ['input lastEventId, too long', { townId, lastEventId: 'x'.repeat(40) }, {}],
    ['Last-Event-ID header, not an id', { townId }, { 'last-event-id': 'zzz' }],
    ['Last-Event-ID header, an id this town never had', { townId }, { 'last-event-id': '9999999999999999' }],
  ] as const)('%s → HTTP 400 naming lastEventId, before any stream', async (_label, input, headers) => {
    for (const token of [live, 'dev-token']) {
      const got = await open('/trpc/event.subscribe', token, input, headers);
      expect(got).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
      expect(got.message).toMatch(/lastEventId/);
    }
  });

  it('a good cursor still resumes', async () => {
    const { items } = await admin.event.list.query({ townId, limit: 1 });
    const id = items[0]?.id ?? '';
    const got = await open('/trpc/event.subscribe', live, { townId }, { 'last-event-id': id });
    expect(got.status).toBe(200);
  });
});
