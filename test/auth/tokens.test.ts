import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../server/auth/access';
import { issueToken as issueInTown } from '../../server/auth/tokens';
import { openTownDb } from '../../server/core/town-db';
import { client, expectTrpcError, newTownId, quietConsole, townStub } from '../helpers';
import { claimsOf, issueToken } from './token-helpers';

const admin = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function townWithRigs() {
  quietConsole('log');
  const townId = newTownId('tokens');
  const r1 = await admin.rig.register.mutate({ townId, name: 'r1' });
  const r2 = await admin.rig.register.mutate({ townId, name: 'r2' });
  return { townId, r1: r1.id, r2: r2.id };
}

describe('auth tokens', () => {
  it('issues a signed JWT carrying townId, role, rigId, exp and jti, shown once and listed without it', async () => {
    const { townId, r1 } = await townWithRigs();
    const before = Date.now();
    const issued = await issueToken(townId, 'rig', r1, 600);
    const [header] = issued.token.split('.');
    expect(JSON.parse(atob(header ?? ''))).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = claimsOf(issued.token);
    expect(claims).toMatchObject({ townId, role: 'rig', rigId: r1, jti: issued.tokenId });
    expect((claims.exp as number) * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(Date.parse(issued.expiresAt)).toBe((claims.exp as number) * 1000);

    const listed = await admin.auth.listTokens.query({ townId });
    expect(listed.items).toEqual([
      {
        tokenId: issued.tokenId,
        role: 'rig',
        rigId: r1,
        label: 'test rig',
        createdAt: expect.any(String),
        expiresAt: issued.expiresAt,
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(issued.token.split('.')[2]);
    // The token works for its rig's own work.
    expect(await client(issued.token).rig.beads.query({ townId, rigId: r1 })).toEqual({ items: [], nextCursor: null });
  });

  it('ttlSeconds is 60 s – 30 days', async () => {
    const { townId } = await townWithRigs();
    await expectTrpcError(issueToken(townId, 'town', undefined, 59), 'BAD_REQUEST', /ttlSeconds/);
    await expectTrpcError(issueToken(townId, 'town', undefined, 30 * 86_400 + 1), 'BAD_REQUEST', /ttlSeconds/);
    await issueToken(townId, 'town', undefined, 30 * 86_400);
  });

  it('a town token issues rig tokens of its town only; an unknown rig is NOT_FOUND', async () => {
    const { townId, r1 } = await townWithRigs();
    const town = client((await issueToken(townId, 'town')).token);
    const rig = await town.auth.issueToken.mutate({ townId, role: 'rig', rigId: r1, ttlSeconds: 60 });
    expect(claimsOf(rig.token)).toMatchObject({ townId, role: 'rig', rigId: r1 });
    await expectTrpcError(town.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 60 }), 'FORBIDDEN');
    await expectTrpcError(town.auth.issueToken.mutate({ townId, role: 'rig', rigId: 'no-such-rig', ttlSeconds: 60 }), 'NOT_FOUND');
    await expectTrpcError(town.auth.issueToken.mutate({ townId, role: 'rig', ttlSeconds: 60 }), 'BAD_REQUEST', /rigId/);
    const other = newTownId('tokens-other');
    await expectTrpcError(town.auth.issueToken.mutate({ townId: other, role: 'rig', rigId: r1, ttlSeconds: 60 }), 'FORBIDDEN');
  });

  it('expires: refused once past exp', async () => {
    const { townId } = await townWithRigs();
    const town = client((await issueToken(townId, 'town', undefined, 60)).token);
    vi.useFakeTimers({ toFake: ['Date'] });
    expect(await town.rig.list.query({ townId })).toHaveLength(2);
    vi.setSystemTime(Date.now() + 61_000);
    await expectTrpcError(town.rig.list.query({ townId }), 'UNAUTHORIZED');
  });

  it('revokeToken takes effect on the next call; revokeAll revokes every token, and the admin token still works', async () => {
    const { townId, r1, r2 } = await townWithRigs();
    const a = await issueToken(townId, 'town');
    const b = await issueToken(townId, 'rig', r1);
    const c = await issueToken(townId, 'rig', r2);
    expect(await client(a.token).rig.list.query({ townId })).toHaveLength(2);
    const revoked = await admin.auth.revokeToken.mutate({ townId, tokenId: a.tokenId });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await admin.auth.revokeToken.mutate({ townId, tokenId: a.tokenId })).toEqual(revoked); // idempotent
    await expectTrpcError(client(a.token).rig.list.query({ townId }), 'UNAUTHORIZED');
    await expectTrpcError(admin.auth.revokeToken.mutate({ townId, tokenId: 'no-such-token' }), 'NOT_FOUND');

    const town = client((await issueToken(townId, 'town')).token);
    expect(await town.auth.revokeAll.mutate({ townId })).toEqual({ revoked: 3 }); // b, c and itself
    for (const token of [b.token, c.token]) await expectTrpcError(client(token).convoy.list.query({ townId }), 'UNAUTHORIZED');
    await expectTrpcError(town.rig.list.query({ townId }), 'UNAUTHORIZED');
    expect(await admin.rig.list.query({ townId })).toHaveLength(2);
    expect((await admin.auth.listTokens.query({ townId })).items.every((t) => t.revokedAt !== null)).toBe(true);
  });

  it('removing a rig revokes its tokens (and only its)', async () => {
    const { townId, r1, r2 } = await townWithRigs();
    const gone = await issueToken(townId, 'rig', r1);
    const kept = await issueToken(townId, 'rig', r2);
    await admin.rig.remove.mutate({ townId, rigId: r1 });
    await expectTrpcError(client(gone.token).convoy.list.query({ townId }), 'UNAUTHORIZED');
    expect(await client(kept.token).convoy.list.query({ townId })).toEqual({ items: [], nextCursor: null });
  });

  it('deployed without TOKEN_SIGNING_KEY: issuing fails with a clear error, the admin token still works, no JWT is accepted', async () => {
    const { townId } = await townWithRigs();
    const token = (await issueToken(townId, 'town')).token;
    const noKey = { ...env, TOKEN_SIGNING_KEY: undefined };
    await runInDurableObject(townStub(townId), async (_i, state) => {
      const ctx = { db: await openTownDb(state.storage), env: noKey, townId, now: () => new Date() };
      await expect(issueInTown(ctx, 'admin', { role: 'town', ttlSeconds: 60 }, () => {})).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        message: expect.stringContaining('TOKEN_SIGNING_KEY is not configured'),
      });
    });
    expect(await authenticate(noKey, 'Bearer dev-token')).toEqual({ role: 'admin' });
    expect(await authenticate(noKey, `Bearer ${token}`)).toBeNull();
    expect(await authenticate({ ...env, TOKEN_SIGNING_KEY: 'short' }, `Bearer ${token}`)).toBeNull();
  });

  it('the MayorDO reads its town with a town token of its own (listed, labelled mayor), renewed after a revokeAll', async () => {
    const { townId } = await townWithRigs();
    const briefing = await admin.mayor.briefing.query({ townId });
    expect(briefing.rigs).toHaveLength(2);
    const mayorTokens = (await admin.auth.listTokens.query({ townId })).items.filter((t) => t.label === 'mayor');
    expect(mayorTokens).toMatchObject([{ role: 'town', rigId: null, revokedAt: null }]);
    await admin.auth.revokeAll.mutate({ townId });
    expect((await admin.mayor.briefing.query({ townId })).rigs).toHaveLength(2);
    const after = (await admin.auth.listTokens.query({ townId })).items.filter((t) => t.label === 'mayor' && t.revokedAt === null);
    expect(after).toHaveLength(1);
    expect(after[0]?.tokenId).not.toBe(mayorTokens[0]?.tokenId);
  });
});
