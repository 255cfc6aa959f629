import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../server/auth/access';
import { DEV_TOKEN_SIGNING_KEY, signingKeyProblem, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../server/auth/token-jwt';
import { issueToken as issueInTown } from '../../server/auth/tokens';
import { openTownDb } from '../../server/core/town-db';
import { client, expectTrpcError, newTownId, townStub } from '../helpers';
import { claimsOf, forgeToken, issueToken } from './token-helpers';

// Finding 9 of the attacker's run: the revocation lookup found the `jti` but did not compare role, town
// and rig with the row, so a token forged around a known `jti` with a wider role passed (the dev key is
// public in wrangler.jsonc, and nothing stopped a deployment from using it); no `iss`/`aud`.

const admin = client();

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

async function townWithRigToken() {
  const townId = newTownId('attack-claims');
  const r1 = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
  const r2 = (await admin.rig.register.mutate({ townId, name: 'r2' })).id;
  const issued = await issueToken(townId, 'rig', r1);
  return { townId, r1, r2, issued, claims: claimsOf(issued.token) };
}

describe('attack: claims forged around a known jti', () => {
  it('a rig token re-signed as a town token is UNAUTHORIZED (the row says rig)', async () => {
    const { townId, claims } = await townWithRigToken();
    const widened = await forgeToken({ ...claims, role: 'town', rigId: null });
    await expectTrpcError(client(widened).rig.list.query({ townId }), 'UNAUTHORIZED');
  });

  it('a rig token re-signed for another rig is UNAUTHORIZED (the row says its rig)', async () => {
    const { townId, r2, claims } = await townWithRigToken();
    const moved = await forgeToken({ ...claims, rigId: r2 });
    await expectTrpcError(client(moved).rig.beads.query({ townId, rigId: r2 }), 'UNAUTHORIZED');
  });

  it('a token without our iss and aud is UNAUTHORIZED; with them it is the real one', async () => {
    const { townId, r1, claims } = await townWithRigToken();
    const { iss: _iss, aud: _aud, ...bare } = claims;
    expect(claims).toMatchObject({ iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE });
    await expectTrpcError(client(await forgeToken(bare)).rig.beads.query({ townId, rigId: r1 }), 'UNAUTHORIZED');
    await expectTrpcError(
      client(await forgeToken({ ...bare, iss: 'other', aud: TOKEN_AUDIENCE })).rig.beads.query({ townId, rigId: r1 }),
      'UNAUTHORIZED',
    );
    await expectTrpcError(
      client(await forgeToken({ ...bare, iss: TOKEN_ISSUER, aud: 'other' })).rig.beads.query({ townId, rigId: r1 }),
      'UNAUTHORIZED',
    );
    expect((await client(await forgeToken(claims)).rig.beads.query({ townId, rigId: r1 })).items).toEqual([]);
  });
});

describe('attack: a deployment signing with the public dev key', () => {
  it('the dev key is the one wrangler.jsonc publishes for env.dev', () => {
    expect(env.ENVIRONMENT).toBe('dev');
    expect(env.TOKEN_SIGNING_KEY).toBe(DEV_TOKEN_SIGNING_KEY);
    expect(signingKeyProblem(env)).toBeNull();
  });

  it('deployed (ENVIRONMENT not dev) with the dev key or a short one: no token issued (clear error), none accepted', async () => {
    const { townId, issued } = await townWithRigToken();
    const deployed = { ...env, ENVIRONMENT: 'production' };
    expect(signingKeyProblem(deployed)).toMatch(/public dev key/);
    expect(signingKeyProblem({ ...deployed, TOKEN_SIGNING_KEY: 'x'.repeat(31) })).toMatch(/shorter than 32 bytes/);
    expect(signingKeyProblem({ ...deployed, TOKEN_SIGNING_KEY: 'x'.repeat(32) })).toBeNull();
    await runInDurableObject(townStub(townId), async (_i, state) => {
      const ctx = { db: await openTownDb(state.storage), env: deployed, townId, now: () => new Date() };
      await expect(issueInTown(ctx, 'admin', { role: 'town', ttlSeconds: 60 }, () => {})).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        message: expect.stringContaining('public dev key'),
      });
    });
    expect(await authenticate(deployed, `Bearer ${issued.token}`)).toBeNull();
    expect(await authenticate(env, `Bearer ${issued.token}`)).not.toBeNull();
  });
});
