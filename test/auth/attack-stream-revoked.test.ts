import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSignedOut } from '../../client/index';
import { subscribe, untilHubSize } from '../events/stream-helpers';
import { client, newTownId } from '../helpers';
import { issueToken } from './token-helpers';

// Finding 2 of the attacker's run, as the attacker did it: a stream opened with a town token that is
// then revoked kept receiving events (seen 90 s later). Now it ends at the revocation with UNAUTHORIZED
// and hears nothing after it. (Expiry and rig removal: test/events/stream-right-ends.test.ts.)

afterEach(() => vi.restoreAllMocks());

describe('attack: a revoked token keeps its open stream', () => {
  it('the stream ends UNAUTHORIZED at the revocation, and no later event reaches it', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const townId = newTownId('attack-revoked-stream');
    const admin = client();
    const rigId = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
    const stolen = await issueToken(townId, 'town');
    const live = subscribe({ townId }, client(stolen.token));
    try {
      await untilHubSize(townId, 1);
      await admin.auth.revokeToken.mutate({ townId, tokenId: stolen.tokenId });
      const { escalation } = await admin.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'after' });
      await vi.waitFor(() => expect(live.errors).toHaveLength(1), { timeout: 20_000, interval: 20 });
      expect(isSignedOut(live.errors[0])).toBe(true);
      await untilHubSize(townId, 0);
      expect(live.events.some((e) => e.escalationId === escalation.id)).toBe(false);
      expect(live.connections()).toBe(1);
    } finally {
      live.stop();
    }
  });
});
