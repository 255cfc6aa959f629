import { runInDurableObject } from 'cloudflare:test';
import { TRPCClientError } from '@trpc/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AppRouter, isSignedOut } from '../../client/index';
import { STREAM_RECHECK_MS } from '../../server/events/stream';
import { TEST_HOOKS } from '../../server/town/test-hooks';
import type { TownDO } from '../../server/town/town-do';
import { issueToken } from '../auth/token-helpers';
import { client, newTownId, townStub } from '../helpers';
import { subscribe, untilHubSize } from './stream-helpers';

// Finding 2 of the attacker's run: a stream opened with a token that was then revoked (or expired, or
// whose rig was removed) kept receiving events. An open stream re-checks its token at each revocation
// and rig removal, at its expiry, and at least every STREAM_RECHECK_MS; then its final event is a tRPC
// UNAUTHORIZED error and it closes, and the client does not reconnect: it is signed out.

const admin = client();

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A rig token's live stream, and the town it streams from. */
async function openStream(options: { ttlSeconds?: number; recheckMs?: number } = {}) {
  const townId = newTownId('right-ends');
  const rigId = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
  if (options.recheckMs !== undefined) {
    const ms = options.recheckMs;
    await runInDurableObject(townStub(townId), (instance: TownDO) => {
      instance[TEST_HOOKS]().eventHub.recheckMs = ms;
    });
  }
  const issued = await issueToken(townId, 'rig', rigId, options.ttlSeconds ?? 3600);
  const live = subscribe({ townId }, client(issued.token));
  await untilHubSize(townId, 1);
  return { townId, rigId, issued, live };
}

async function expectSignedOut(townId: string, live: ReturnType<typeof subscribe>) {
  await vi.waitFor(() => expect(live.errors).toHaveLength(1), { timeout: 20_000, interval: 20 });
  const [error] = live.errors;
  expect(error).toBeInstanceOf(TRPCClientError);
  expect((error as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
  expect(isSignedOut(error)).toBe(true);
  await untilHubSize(townId, 0);
  // It stays ended: no reconnect (UNAUTHORIZED is not retried), no event after the end.
  const seen = live.events.length;
  await admin.rig.register.mutate({ townId, name: `later-${crypto.randomUUID().slice(0, 6)}` });
  await untilHubSize(townId, 0);
  expect(live.connections()).toBe(1);
  expect(live.events.length).toBe(seen);
}

describe('an open event stream ends when its right ends', () => {
  it('at once when its token is revoked', async () => {
    const { townId, rigId, issued, live } = await openStream();
    try {
      await admin.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'before' });
      await live.waitFor(1);
      await admin.auth.revokeToken.mutate({ townId, tokenId: issued.tokenId });
      await expectSignedOut(townId, live);
    } finally {
      live.stop();
    }
  });

  it('at once when its rig is removed', async () => {
    const { townId, rigId, live } = await openStream();
    try {
      await admin.rig.remove.mutate({ townId, rigId });
      await expectSignedOut(townId, live);
    } finally {
      live.stop();
    }
  });

  it('when its token expires (fake clock), found by the periodic re-check', async () => {
    const { townId, live } = await openStream({ ttlSeconds: 60, recheckMs: 50 });
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 61_000);
      await expectSignedOut(townId, live);
    } finally {
      live.stop();
    }
  });

  it('at least every STREAM_RECHECK_MS (30 s) even when nothing told the hub', async () => {
    expect(STREAM_RECHECK_MS).toBeLessThanOrEqual(30_000);
    const { townId, issued, live } = await openStream({ recheckMs: 50 });
    try {
      // Revoked behind the facade's back: only the periodic re-check can notice.
      await runInDurableObject(townStub(townId), (_instance, state) => {
        state.storage.sql.exec('update auth_tokens set revoked_at = ? where id = ?', new Date().toISOString(), issued.tokenId);
      });
      await expectSignedOut(townId, live);
    } finally {
      live.stop();
    }
  });

  it('a live token keeps streaming through re-checks; the admin token is never re-checked', async () => {
    const { townId, rigId, live } = await openStream({ recheckMs: 20 });
    const adminLive = subscribe({ townId });
    try {
      await untilHubSize(townId, 2);
      await new Promise((resolve) => setTimeout(resolve, 200)); // ten re-checks
      await admin.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'still here' });
      await live.waitFor(1);
      await adminLive.waitFor(1);
      expect(live.errors).toEqual([]);
      expect(adminLive.errors).toEqual([]);
    } finally {
      live.stop();
      adminLive.stop();
    }
  });
});
