import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../server/router';

// Generated from the router, so a procedure added later is covered without anyone remembering to.
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>).map(([path, p]) => ({
  path,
  type: p._def.type,
}));

function call(path: string, type: string, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const input = encodeURIComponent(JSON.stringify({ townId: 'auth-town' }));
  const url = type === 'query' ? `http://town.test/trpc/${path}?input=${input}` : `http://town.test/trpc/${path}`;
  return exports.default.fetch(
    new Request(url, {
      method: type === 'query' ? 'GET' : 'POST',
      headers,
      ...(type === 'query' ? {} : { body: JSON.stringify({ townId: 'auth-town' }) }),
    }),
  );
}

const badTokens: [string, string | undefined][] = [
  ['no Authorization header', undefined],
  ['an empty bearer', 'Bearer '],
  ['a wrong token of the same length', 'Bearer dev-tokex'],
  ['a token of another length', 'Bearer dev-token-but-longer'],
  ['another scheme', 'Basic dev-token'],
];

describe('auth', () => {
  it('covers every procedure of the router', () => {
    expect(procedures.map((p) => p.path)).toContain('rig.register');
    expect(procedures.length).toBeGreaterThanOrEqual(4);
  });

  for (const { path, type } of procedures) {
    it.each(badTokens)(`${path} with %s → 401 UNAUTHORIZED`, async (_label, authorization) => {
      const res = await call(path, type, authorization);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { data: { code: string; stack?: string } } };
      expect(body.error.data.code).toBe('UNAUTHORIZED');
      expect(body.error.data.stack).toBeUndefined();
    });
  }

  it('lets the right token through', async () => {
    const res = await call('rig.list', 'query', 'Bearer dev-token');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { data: [] } });
  });

  it('answers GET /health without a token', async () => {
    const res = await exports.default.fetch('http://town.test/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });
});
