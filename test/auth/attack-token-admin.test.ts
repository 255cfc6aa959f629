import { runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TOWN_LIVE_TOKENS_MAX } from '../../server/auth/tokens';
import { client, expectTrpcError, newTownId, townStub } from '../helpers';
import { dumpTown } from '../town-dump';
import { issueToken } from './token-helpers';

// Finding 4 of the attacker's run: a town token revoked a sibling town token (200), which the Tenancy
// table says it cannot. And (finding 9) `listTokens` read the whole table, and a town token could issue
// without limit. A town token revokes only its town's rig tokens (and itself); the admin anything; at
// most TOWN_LIVE_TOKENS_MAX live tokens per town (the MayorDO's own not counted); listTokens pages.

const admin = client();

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

async function town() {
  const townId = newTownId('attack-tokens');
  const rig = await admin.rig.register.mutate({ townId, name: 'r1' });
  return { townId, rigId: rig.id };
}

describe('attack: a town token revokes a sibling town token', () => {
  it('is FORBIDDEN and writes nothing; its rig tokens and itself it may revoke; the admin any', async () => {
    const { townId, rigId } = await town();
    const mine = await issueToken(townId, 'town');
    const sibling = await issueToken(townId, 'town');
    const rigToken = await issueToken(townId, 'rig', rigId);
    const asTown = client(mine.token);
    const before = await dumpTown(townId);
    await expectTrpcError(asTown.auth.revokeToken.mutate({ townId, tokenId: sibling.tokenId }), 'FORBIDDEN');
    expect(await dumpTown(townId)).toEqual(before);
    expect((await client(sibling.token).rig.list.query({ townId })).length).toBe(1);
    expect((await asTown.auth.revokeToken.mutate({ townId, tokenId: rigToken.tokenId })).revokedAt).not.toBeNull();
    expect((await admin.auth.revokeToken.mutate({ townId, tokenId: sibling.tokenId })).revokedAt).not.toBeNull();
  });

  it("a town token's revokeAll revokes the rig tokens and itself, never another town token", async () => {
    const { townId, rigId } = await town();
    const mine = await issueToken(townId, 'town');
    const sibling = await issueToken(townId, 'town');
    await issueToken(townId, 'rig', rigId);
    expect(await client(mine.token).auth.revokeAll.mutate({ townId })).toEqual({ revoked: 2 });
    expect((await client(sibling.token).rig.list.query({ townId })).length).toBe(1);
  });
});

describe('attack: a town token issues without limit', () => {
  it(`at most ${TOWN_LIVE_TOKENS_MAX} live tokens per town: PRECONDITION_FAILED past it; the Mayor's own is not counted`, async () => {
    const { townId, rigId } = await town();
    const asTown = client((await issueToken(townId, 'town')).token);
    // Fill the town to one below the cap directly (issuing 999 through the API would only be slow).
    await runInDurableObject(townStub(townId), (_instance, state) => {
      const far = new Date(Date.now() + 3_600_000).toISOString();
      for (let i = 0; i < TOWN_LIVE_TOKENS_MAX - 2; i++) {
        state.storage.sql.exec(
          "insert into auth_tokens (id, role, rig_id, created_at, expires_at, issued_by) values (?, 'rig', ?, ?, ?, 'town')",
          `filler-${i}`,
          rigId,
          new Date().toISOString(),
          far,
        );
      }
    });
    const last = await asTown.auth.issueToken.mutate({ townId, role: 'rig', rigId, ttlSeconds: 600 }); // the 1000th
    const refused = await expectTrpcError(
      asTown.auth.issueToken.mutate({ townId, role: 'rig', rigId, ttlSeconds: 600 }),
      'PRECONDITION_FAILED',
      new RegExp(`${TOWN_LIVE_TOKENS_MAX}`),
    );
    expect(refused.message).toMatch(/live tokens/);
    await expectTrpcError(admin.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 600 }), 'PRECONDITION_FAILED');
    // The MayorDO still gets its own token (not counted), so the briefing works at the cap.
    expect((await admin.mayor.briefing.query({ townId })).rigs).toHaveLength(1);
    // A revoked token frees its place.
    await asTown.auth.revokeToken.mutate({ townId, tokenId: last.tokenId });
    await asTown.auth.issueToken.mutate({ townId, role: 'rig', rigId, ttlSeconds: 600 });
  });
});

describe('auth.listTokens pages', () => {
  it('newest first, {items, nextCursor}, never the whole table at once', async () => {
    const { townId } = await town();
    const issued = [];
    for (let i = 0; i < 3; i++) issued.push(await issueToken(townId, 'town'));
    const first = await admin.auth.listTokens.query({ townId, limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.auth.listTokens.query({ townId, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ nextCursor: null });
    const ids = [...first.items, ...second.items].map((t) => t.tokenId);
    expect(new Set(ids)).toEqual(new Set(issued.map((t) => t.tokenId)));
    await expectTrpcError(admin.auth.listTokens.query({ townId, limit: 201 }), 'BAD_REQUEST', /limit/);
  });
});
