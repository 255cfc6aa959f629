import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type ErrorBody, procedures, rawCall } from '../router-procedures';

// Generated from the router, so a procedure added later is covered without anyone remembering to.
const badTokens: [string, string | null][] = [
  ['no Authorization header', null],
  ['an empty bearer', ''],
  ['a wrong token of the same length', 'dev-tokex'],
  ['a token of another length', 'dev-token-but-longer'],
];

describe('auth', () => {
  it('covers every procedure of the router', () => {
    expect(procedures.map((p) => p.path)).toContain('rig.register');
  });

  for (const p of procedures) {
    it.each(badTokens)(`${p.path} with %s → 401 UNAUTHORIZED`, async (_label, token) => {
      const res = await rawCall(p, { townId: 'auth-town' }, { token });
      expect(res.status).toBe(401);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.data.code).toBe('UNAUTHORIZED');
      expect(body.error.data.stack).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain('dev-token');
    });
  }

  it('rejects another auth scheme', async () => {
    const res = await exports.default.fetch(
      new Request(`http://town.test/trpc/rig.list?input=${encodeURIComponent('{"townId":"x"}')}`, {
        headers: { authorization: 'Basic dev-token' },
      }),
    );
    expect(res.status).toBe(401);
  });

  it('lets the right token through', async () => {
    const res = await rawCall({ path: 'rig.list', type: 'query' }, { townId: 'auth-ok' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { data: [] } });
  });

  it('answers GET /health without a token', async () => {
    const res = await exports.default.fetch('http://town.test/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });
});
