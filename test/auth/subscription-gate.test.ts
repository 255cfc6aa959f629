import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { access, narrowedToRig } from '../../server/auth/access';
import { procedure, router, townInput } from '../../server/auth/trpc';
import { serveTrpc } from '../../server/worker';
import { client, newTownId, quietConsole } from '../helpers';
import { issueToken } from './token-helpers';

// A subscription streams (SSE, HTTP 200) before its middleware's answer could set a status, so the
// Worker authorizes subscriptions first (server/auth/gate.ts). Exercised through the Worker's own
// `/trpc` handler with a subscription of this test's (the app's event.subscribe goes the same way).

const feedRouter = router({
  feed: procedure
    .meta(access.rigNarrowed)
    .input(townInput)
    .subscription(async function* ({ ctx }) {
      yield { narrowedTo: narrowedToRig(ctx.principal) };
    }),
});

const A = newTownId('gate-a');
const B = newTownId('gate-b');
let rigId = '';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  quietConsole('log');
  const api = client();
  rigId = (await api.rig.register.mutate({ townId: A, name: 'r1' })).id;
  const rigB = (await api.rig.register.mutate({ townId: B, name: 'rb' })).id;
  tokens.rig = (await issueToken(A, 'rig', rigId)).token;
  tokens.otherTown = (await issueToken(B, 'rig', rigB)).token;
  const revoked = await issueToken(A, 'town');
  await api.auth.revokeToken.mutate({ townId: A, tokenId: revoked.tokenId });
  tokens.revoked = revoked.token;
});
afterAll(() => vi.restoreAllMocks());

function subscribe(token: string | null, townId = A) {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  const url = `http://town.test/trpc/feed?input=${encodeURIComponent(JSON.stringify({ townId }))}`;
  return serveTrpc(new Request(url, { headers }), env, feedRouter);
}

/** The data of the first message of an SSE stream (tRPC's own `event: connected` block skipped), then the stream is closed. */
async function firstData(res: Response): Promise<unknown> {
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended without data: ${text}`);
    text += value;
    const blocks = text.split('\n\n').slice(0, -1); // complete blocks only
    const message = blocks
      .map((b) => b.split('\n'))
      .find((lines) => lines.some((l) => l.startsWith('data: ')) && !lines.some((l) => l.startsWith('event:')));
    const line = message?.find((l) => l.startsWith('data: '));
    if (line) {
      await reader.cancel();
      return JSON.parse(line.slice('data: '.length));
    }
  }
}

describe('subscriptions are authorized before they stream', () => {
  it.each([
    { label: 'no token', token: null, status: 401, code: 'UNAUTHORIZED' },
    { label: 'a malformed token', token: 'not-a-jwt', status: 401, code: 'UNAUTHORIZED' },
    { label: 'a revoked token', token: 'revoked', status: 401, code: 'UNAUTHORIZED' },
    { label: "another town's token", token: 'otherTown', status: 403, code: 'FORBIDDEN' },
  ] as const)('$label → HTTP $status, not a 200 stream', async ({ token, status, code }) => {
    const res = await subscribe(token === null ? null : (tokens[token] ?? token));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ error: { data: { code, httpStatus: status } } });
  });

  it('a rig token streams, and the procedure sees whom to narrow to', async () => {
    const res = await subscribe(tokens.rig ?? '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await firstData(res)).toEqual({ narrowedTo: rigId });
  });

  it('the admin token streams everything', async () => {
    const res = await subscribe('dev-token');
    expect(res.status).toBe(200);
    expect(await firstData(res)).toEqual({ narrowedTo: null });
  });
});
