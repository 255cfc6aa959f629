import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { subscribe, untilHubSize } from '../events/stream-helpers';
import { client, expectTrpcError, newTownId } from '../helpers';
import { dumpTown } from '../town-dump';
import { settle } from '../town-helpers';
import { issueToken } from './token-helpers';

// Finding 3 of the attacker's run: a rig widened its own scope by raising an escalation naming any
// convoy (that convoy's later events then reached its event.list and live stream), and convoy.get /
// beads / timeline / list answered every convoy of the town, with every other rig's bead titles.
// A rig reads a convoy only while it holds beads of it; others are NOT_FOUND (never FORBIDDEN).

const admin = client();

async function townWithForeignConvoy() {
  const townId = newTownId('attack-scope');
  const r1 = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
  const r2 = (await admin.rig.register.mutate({ townId, name: 'r2' })).id;
  const foreign = await admin.convoy.create.mutate({ townId, title: 'r2 secret convoy', beads: [{ rigId: r2, title: 'r2 secret bead' }] });
  const shared = await admin.convoy.create.mutate({
    townId,
    title: 'shared',
    beads: [
      { rigId: r1, title: 'mine' },
      { rigId: r2, title: 'theirs' },
    ],
  });
  await settle(townId);
  const asR1 = client((await issueToken(townId, 'rig', r1)).token);
  return { townId, r1, r2, foreign, shared, asR1 };
}

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('attack: a rig reads convoys it takes no part in', () => {
  it('convoy.get, convoy.beads, convoy.timeline of a foreign convoy are NOT_FOUND, as an unknown one', async () => {
    const { townId, foreign, asR1 } = await townWithForeignConvoy();
    const unknown = await expectTrpcError(asR1.convoy.get.query({ townId, convoyId: 'no-such-convoy' }), 'NOT_FOUND');
    const got = await expectTrpcError(asR1.convoy.get.query({ townId, convoyId: foreign.id }), 'NOT_FOUND');
    expect(got.message).toBe(unknown.message.replace('no-such-convoy', foreign.id));
    await expectTrpcError(asR1.convoy.beads.query({ townId, convoyId: foreign.id }), 'NOT_FOUND');
    await expectTrpcError(asR1.convoy.timeline.query({ townId, convoyId: foreign.id }), 'NOT_FOUND');
  });

  it('convoy.list lists only its convoys; within one it reads every bead (agents coordinate)', async () => {
    const { townId, shared, asR1 } = await townWithForeignConvoy();
    const listed = await asR1.convoy.list.query({ townId });
    expect(listed.items.map((c) => c.id)).toEqual([shared.id]);
    expect(JSON.stringify(listed)).not.toContain('r2 secret');
    const beads = await asR1.convoy.beads.query({ townId, convoyId: shared.id });
    expect(beads.items.map((b) => b.title)).toEqual(['mine', 'theirs']);
    expect((await admin.convoy.list.query({ townId })).items).toHaveLength(2);
  });
});

describe('attack: a rig widens its scope by naming a convoy in a raise', () => {
  it('escalation.raise naming a foreign convoy, or another rig’s bead, is NOT_FOUND and writes nothing', async () => {
    const { townId, r1, foreign, shared, asR1 } = await townWithForeignConvoy();
    const before = await dumpTown(townId);
    await expectTrpcError(
      asR1.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'x', convoyId: foreign.id }),
      'NOT_FOUND',
    );
    await expectTrpcError(
      asR1.escalation.raise.mutate({
        townId,
        sourceRigId: r1,
        severity: 'low',
        message: 'x',
        convoyId: shared.id,
        beadId: shared.beadIds[1],
      }),
      'NOT_FOUND',
    );
    expect(await dumpTown(townId)).toEqual(before);
    // Its own convoy and bead: fine.
    const ok = await asR1.escalation.raise.mutate({
      townId,
      sourceRigId: r1,
      severity: 'low',
      message: 'x',
      convoyId: shared.id,
      beadId: shared.beadIds[0],
    });
    expect(ok.escalation.convoyId).toBe(shared.id);
  });

  it("a foreign convoy's later events reach neither its event.list nor its live stream", async () => {
    const { townId, r1, r2, foreign, asR1 } = await townWithForeignConvoy();
    // Named by the admin on r1's behalf (a rig token cannot name it at all): still no wider scope.
    await admin.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'names it', convoyId: foreign.id });
    const live = subscribe({ townId }, asR1);
    try {
      await untilHubSize(townId, 1);
      await admin.escalation.raise.mutate({ townId, sourceRigId: r2, severity: 'low', message: 'r2 secret raise', convoyId: foreign.id });
      await admin.convoy.beadClosed.mutate({ townId, convoyId: foreign.id, beadId: foreign.beadIds[0] ?? '' });
      const { escalation } = await asR1.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'r1 last' });
      await vi.waitFor(() => expect(live.events.some((e) => e.escalationId === escalation.id)).toBe(true), {
        timeout: 20_000,
        interval: 20,
      });
      const leaked = (e: { convoyId: string | null; rigId: string | null }) => e.convoyId === foreign.id && e.rigId !== r1;
      expect(live.events.filter(leaked)).toEqual([]);
      const listed = (await asR1.event.list.query({ townId, limit: 200 })).items;
      expect(listed.filter(leaked)).toEqual([]);
    } finally {
      live.stop();
    }
  });
});
