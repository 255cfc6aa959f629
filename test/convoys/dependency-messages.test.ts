import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';
import * as townSchema from '../../schema/town';
import * as convoys from '../../server/convoys/convoys';
import { quietConsole, townStub, withTownDb } from '../helpers';
import { api, townTasks, townWithRigs } from './convoy-helpers';

// The town's release messages: one per rig, whatever the number of closes that released beads there
// before the alarm sent it (docs/convoys.md, "Dependencies and waves").

const unblockTasks = async (townId: string) => (await townTasks(townId)).filter((t) => t.kind === 'convoy.unblockBeads');

it('releases pending for one rig ride on one message, and reach the rig', async () => {
  quietConsole();
  const { townId, rigs } = await townWithRigs('up', 'down', 'side');
  const convoy = await api.convoy.create.mutate({
    townId,
    title: 'fan in',
    beads: [
      { rigId: rigs.up, title: 'r1', key: 'r1' },
      { rigId: rigs.up, title: 'r2', key: 'r2' },
      { rigId: rigs.down, title: 'd1', key: 'd1', dependsOn: ['r1'] },
      { rigId: rigs.down, title: 'd2', key: 'd2', dependsOn: ['r2'] },
      { rigId: rigs.side, title: 's2', key: 's2', dependsOn: ['r2'] },
    ],
  });
  const [r1, r2, d1, d2, s2] = convoy.beadIds as [string, string, string, string, string];
  // Two closes in one step of the TownDO: no alarm run can come between them.
  const pending = await withTownDb(townId, (db) => {
    convoys.beadClosed({ db, env, townId, now: () => new Date() }, { convoyId: convoy.id, beadId: r1 });
    convoys.beadClosed({ db, env, townId, now: () => new Date() }, { convoyId: convoy.id, beadId: r2 });
    return db.select().from(townSchema.schedule).where(eq(townSchema.schedule.kind, 'convoy.unblockBeads')).all();
  });
  expect(pending.map((t) => [t.id, (t.payload as { beadIds: string[] }).beadIds])).toEqual(
    expect.arrayContaining([
      [`convoy.unblock:${convoy.id}:${rigs.down}`, [d1, d2]],
      [`convoy.unblock:${convoy.id}:${rigs.side}`, [s2]],
    ]),
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
  expect(claimed.sort()).toEqual([d1, d2, s2].sort());
  expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ blockedBeads: 0 });
});
