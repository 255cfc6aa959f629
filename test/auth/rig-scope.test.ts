import { describe, expect, it, vi } from 'vitest';
import { subscribe, untilHubSize } from '../events/stream-helpers';
import { client, expectTrpcError, newTownId, quietConsole } from '../helpers';
import { settle } from '../town-helpers';
import { issueToken } from './token-helpers';

// What a rig token reads of the shared things: its own beads and escalations only, the convoys it takes
// part in (holds beads of; others are NOT_FOUND), and of the event log its rig's events and those of
// the convoys it takes part in.

const admin = client();

async function townOfTwoRigs() {
  quietConsole('log', 'warn');
  const townId = newTownId('scope');
  const r1 = (await admin.rig.register.mutate({ townId, name: 'r1' })).id;
  const r2 = (await admin.rig.register.mutate({ townId, name: 'r2' })).id;
  const shared = await admin.convoy.create.mutate({
    townId,
    title: 'shared',
    beads: [
      { rigId: r1, title: 'a' },
      { rigId: r2, title: 'b' },
    ],
  });
  const onlyR2 = await admin.convoy.create.mutate({ townId, title: 'only r2', beads: [{ rigId: r2, title: 'c' }] });
  const { escalation } = await admin.escalation.raise.mutate({ townId, sourceRigId: r2, severity: 'low', message: 'r2 trouble' });
  await settle(townId);
  return { townId, r1, r2, shared, onlyR2, escalationOfR2: escalation };
}

describe('a rig token reads', () => {
  it('event.list: its rig and the convoys it holds beads of, nothing else', async () => {
    const { townId, r1, shared, onlyR2, escalationOfR2 } = await townOfTwoRigs();
    const rig = client((await issueToken(townId, 'rig', r1)).token);
    // A bead of r2 in the shared convoy closes: r1 sees it (its convoy), not the other convoy's events.
    const r2Bead = shared.beadIds[1]; // 'b', r2's
    if (r2Bead) await admin.convoy.beadClosed.mutate({ townId, convoyId: shared.id, beadId: r2Bead });
    const seen = (await rig.event.list.query({ townId, limit: 200 })).items;
    const all = (await admin.event.list.query({ townId, limit: 200 })).items;
    expect(seen.every((e) => e.rigId === r1 || e.convoyId === shared.id)).toBe(true);
    expect(seen.some((e) => e.rigId === r1 && e.convoyId === null)).toBe(true); // its registration
    expect(seen.some((e) => e.convoyId === shared.id && e.beadId === r2Bead)).toBe(true); // another rig's close in its convoy
    // The admin sees what it does not: the r2-only convoy and r2's escalation.
    expect(all.some((e) => e.convoyId === onlyR2.id)).toBe(true);
    expect(all.some((e) => e.escalationId === escalationOfR2.id)).toBe(true);
    expect(seen.some((e) => e.convoyId === onlyR2.id || e.escalationId === escalationOfR2.id)).toBe(false);
    // Asking for what it may not see by filter gives nothing, not an error that would confirm it exists.
    expect((await rig.event.list.query({ townId, convoyId: onlyR2.id })).items).toEqual([]);
  });

  it('event.subscribe: the live stream carries only what event.list shows it', async () => {
    const { townId, r1, r2, shared, onlyR2 } = await townOfTwoRigs();
    const rig1 = client((await issueToken(townId, 'rig', r1)).token);
    const live = subscribe({ townId }, rig1);
    try {
      await untilHubSize(townId, 1);
      // Not r1's: r2's bead of r2's own convoy closes, r2 raises. Then r1's: r2's bead of the shared convoy, r1 raises.
      await admin.convoy.beadClosed.mutate({ townId, convoyId: onlyR2.id, beadId: onlyR2.beadIds[0] ?? '' });
      await admin.escalation.raise.mutate({ townId, sourceRigId: r2, severity: 'low', message: 'r2 only' });
      await admin.convoy.beadClosed.mutate({ townId, convoyId: shared.id, beadId: shared.beadIds[1] ?? '' });
      const { escalation } = await rig1.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'r1 last' });
      await vi.waitFor(() => expect(live.events.some((e) => e.escalationId === escalation.id)).toBe(true), {
        timeout: 20_000,
        interval: 20,
      });
      expect(live.events.every((e) => e.rigId === r1 || e.convoyId === shared.id)).toBe(true);
      expect(live.events.some((e) => e.convoyId === shared.id && e.beadId === shared.beadIds[1])).toBe(true);
      expect(live.errors).toEqual([]);
    } finally {
      live.stop();
    }
  });

  it('event.subscribe: a convoy given to the rig after it subscribed is followed, without reconnecting', async () => {
    const { townId, r1, r2 } = await townOfTwoRigs();
    const rig1 = client((await issueToken(townId, 'rig', r1)).token);
    const live = subscribe({ townId }, rig1);
    try {
      await untilHubSize(townId, 1);
      const later = await admin.convoy.create.mutate({
        townId,
        title: 'later',
        beads: [
          { rigId: r1, title: 'mine' },
          { rigId: r2, title: 'theirs' },
        ],
      });
      const notMine = await admin.convoy.create.mutate({ townId, title: 'r2 later', beads: [{ rigId: r2, title: 'x' }] });
      await settle(townId);
      // r2's close of the new shared convoy reaches r1's stream (it is r1's convoy now); r2's own convoy does not.
      await admin.convoy.beadClosed.mutate({ townId, convoyId: later.id, beadId: later.beadIds[1] ?? '' });
      await admin.convoy.beadClosed.mutate({ townId, convoyId: notMine.id, beadId: notMine.beadIds[0] ?? '' });
      const { escalation } = await rig1.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'r1 last' });
      await vi.waitFor(() => expect(live.events.some((e) => e.escalationId === escalation.id)).toBe(true), {
        timeout: 20_000,
        interval: 20,
      });
      expect(live.events.some((e) => e.type === 'convoy.bead_closed' && e.beadId === later.beadIds[1])).toBe(true);
      expect(live.events.some((e) => e.convoyId === notMine.id)).toBe(false);
      expect(live.errors).toEqual([]);
    } finally {
      live.stop();
    }
  });

  it("escalation.get: ones it raised; another rig's is FORBIDDEN", async () => {
    const { townId, r1, r2, escalationOfR2 } = await townOfTwoRigs();
    const rig1 = client((await issueToken(townId, 'rig', r1)).token);
    const rig2 = client((await issueToken(townId, 'rig', r2)).token);
    expect((await rig2.escalation.get.query({ townId, escalationId: escalationOfR2.id })).id).toBe(escalationOfR2.id);
    await expectTrpcError(rig1.escalation.get.query({ townId, escalationId: escalationOfR2.id }), 'FORBIDDEN');
    const { escalation } = await rig1.escalation.raise.mutate({ townId, sourceRigId: r1, severity: 'low', message: 'mine' });
    expect((await rig1.escalation.get.query({ townId, escalationId: escalation.id })).sourceRigId).toBe(r1);
    await expectTrpcError(rig1.escalation.raise.mutate({ townId, sourceRigId: r2, severity: 'low', message: 'as r2' }), 'FORBIDDEN');
    // An idempotency key r2 used is r2's alone: r1 with the same key raises its own.
    await rig2.escalation.raise.mutate({ townId, sourceRigId: r2, severity: 'low', message: 'r2 secret', idempotencyKey: 'shared-key' });
    const own = await rig1.escalation.raise.mutate({
      townId,
      sourceRigId: r1,
      severity: 'low',
      message: 'mine',
      idempotencyKey: 'shared-key',
    });
    expect(own.escalation).toMatchObject({ sourceRigId: r1, message: 'mine' });
  });

  it('rig.beads and rig.closeBead of its rig only; the convoys it takes part in', async () => {
    const { townId, r1, r2, shared, onlyR2 } = await townOfTwoRigs();
    const rig1 = client((await issueToken(townId, 'rig', r1)).token);
    const mine = (await rig1.rig.beads.query({ townId, rigId: r1 })).items;
    expect(mine.map((b) => b.title)).toEqual(['a']);
    await expectTrpcError(rig1.rig.beads.query({ townId, rigId: r2 }), 'FORBIDDEN');
    const [bead] = mine;
    if (bead) await rig1.rig.closeBead.mutate({ townId, rigId: r1, beadId: bead.id });
    expect((await rig1.convoy.get.query({ townId, convoyId: shared.id })).closedBeads).toBe(1);
    await expectTrpcError(rig1.convoy.get.query({ townId, convoyId: onlyR2.id }), 'NOT_FOUND');
    await expectTrpcError(rig1.convoy.cancel.mutate({ townId, convoyId: shared.id }), 'FORBIDDEN');
  });
});
