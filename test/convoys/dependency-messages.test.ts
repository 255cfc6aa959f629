import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';
import * as townSchema from '../../schema/town';
import * as convoys from '../../server/convoys/convoys';
import { quietConsole, townStub, withTownDb } from '../helpers';
import { api, townTasks, townWithRigs } from './convoy-helpers';

// The town's release messages: one per rig per close (not per bead), sent by the close itself before it
// answers; the alarm only retries (docs/convoys.md, "Dependencies and waves").

const unblockTasks = async (townId: string) => (await townTasks(townId)).filter((t) => t.kind === 'convoy.unblockBeads');

it('a close tells each rig holding beads it released in one message, not one per bead', async () => {
  quietConsole();
  const { townId, rigs } = await townWithRigs('up', 'down', 'side');
  const convoy = await api.convoy.create.mutate({
    townId,
    title: 'fan out',
    beads: [
      { rigId: rigs.up, title: 'root', key: 'root' },
      { rigId: rigs.down, title: 'd1', key: 'd1', dependsOn: ['root'] },
      { rigId: rigs.down, title: 'd2', key: 'd2', dependsOn: ['root'] },
      { rigId: rigs.side, title: 's1', key: 's1', dependsOn: ['root'] },
    ],
  });
  const [root, d1, d2, s1] = convoy.beadIds as [string, string, string, string];
  // The close as a module call, in one step of the TownDO: its messages, before anything runs them.
  const pending = await withTownDb(townId, (db) => {
    convoys.beadClosed({ db, env, townId, now: () => new Date() }, { convoyId: convoy.id, beadId: root });
    return db.select().from(townSchema.schedule).where(eq(townSchema.schedule.kind, 'convoy.unblockBeads')).all();
  });
  expect(pending.map((t) => (t.payload as { rigId: string; beadIds: string[] }).beadIds.sort())).toEqual(
    expect.arrayContaining([[d1, d2].sort(), [s1]]),
  );
  expect(pending).toHaveLength(2);

  await vi.waitFor(
    async () => {
      await runDurableObjectAlarm(townStub(townId));
      expect(await unblockTasks(townId)).toHaveLength(0);
    },
    { timeout: 5_000, interval: 50 },
  );
  const claimed = [
    (await api.rig.claimBead.mutate({ townId, rigId: rigs.down, agentId: 'a' })).bead?.id,
    (await api.rig.claimBead.mutate({ townId, rigId: rigs.down, agentId: 'b' })).bead?.id,
    (await api.rig.claimBead.mutate({ townId, rigId: rigs.side, agentId: 'c' })).bead?.id,
  ];
  expect(claimed.sort()).toEqual([d1, d2, s1].sort());
  expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ blockedBeads: 0 });
});

it('a close that releases beads answers once their rigs were told: claimable without waiting for the alarm', async () => {
  quietConsole();
  const { townId, rigs } = await townWithRigs('first', 'second');
  const convoy = await api.convoy.create.mutate({
    townId,
    title: 'relay',
    beads: [
      { rigId: rigs.first, title: 'a', key: 'a' },
      { rigId: rigs.second, title: 'b', key: 'b', dependsOn: ['a'] },
      { rigId: rigs.first, title: 'c', key: 'c', dependsOn: ['b'] },
    ],
  });
  const [a, b, c] = convoy.beadIds as [string, string, string];
  for (const [rigId, beadId, next, nextRig] of [
    [rigs.first, a, b, rigs.second],
    [rigs.second, b, c, rigs.first],
  ] as const) {
    expect((await api.rig.claimBead.mutate({ townId, rigId, agentId: 'agent' })).bead?.id).toBe(beadId);
    await api.rig.closeBead.mutate({ townId, rigId, beadId, agentId: 'agent' });
    // No alarm run in between: the close itself sent the release (its task is finished).
    expect(await unblockTasks(townId)).toHaveLength(0);
    expect((await api.rig.claimBead.mutate({ townId, rigId: nextRig, agentId: 'next' })).bead?.id).toBe(next);
    await api.rig.releaseBead.mutate({ townId, rigId: nextRig, beadId: next, agentId: 'next' });
  }
});
