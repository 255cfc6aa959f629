import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { allConvoyBeads, allRigBeads, expectTrpcError, quietConsole, townStub, withTownDb } from '../helpers';
import { api, townWithRigs } from './convoy-helpers';

// Dependencies between a convoy's beads, across rigs: refusals that write nothing, release on close,
// skip on a final failure, reopen on retry (docs/convoys.md, "Dependencies and waves").

async function rowCounts(townId: string) {
  return withTownDb(townId, (_db, storage) => ({
    convoys: storage.sql.exec('select count(*) as n from convoys').one().n,
    beads: storage.sql.exec('select count(*) as n from convoy_beads').one().n,
    edges: storage.sql.exec('select count(*) as n from convoy_bead_deps').one().n,
  }));
}

/** Waits until the town's due tasks (releases, skips) have reached the rigs: its alarm runs them. */
async function drainTown(townId: string) {
  await vi.waitFor(
    async () => {
      await runDurableObjectAlarm(townStub(townId));
      const left = await withTownDb(
        townId,
        (_db, storage) =>
          storage.sql.exec(`select count(*) as n from schedule where kind in ('convoy.unblockBeads', 'convoy.skipBeads')`).one().n,
      );
      expect(left).toBe(0);
    },
    { timeout: 5_000, interval: 50 },
  );
}

const claim = (townId: string, rigId: string, agentId = 'agent') => api.rig.claimBead.mutate({ townId, rigId, agentId });

describe('convoy dependencies', () => {
  it('refuses a cycle naming its keys, and an unknown dependency, writing nothing', async () => {
    quietConsole();
    const { townId, rigs } = await townWithRigs('a');
    const cycle = [
      { rigId: rigs.a, title: 'x', key: 'x', dependsOn: ['z'] },
      { rigId: rigs.a, title: 'y', key: 'y', dependsOn: ['x'] },
      { rigId: rigs.a, title: 'z', key: 'z', dependsOn: ['y'] },
      { rigId: rigs.a, title: 'free', key: 'free' },
    ];
    const error = await expectTrpcError(api.convoy.create.mutate({ townId, title: 'loop', beads: cycle }), 'BAD_REQUEST', /cycle/);
    for (const key of ['"x"', '"y"', '"z"']) expect(error.message).toContain(key);
    expect(error.message).not.toContain('"free"');
    await expectTrpcError(
      api.convoy.create.mutate({ townId, title: 'self', beads: [{ rigId: rigs.a, title: 's', key: 's', dependsOn: ['s'] }] }),
      'BAD_REQUEST',
      /cycle.*"s" → "s"/,
    );
    await expectTrpcError(
      api.convoy.create.mutate({ townId, title: 'unknown', beads: [{ rigId: rigs.a, title: 'u', dependsOn: ['nope'] }] }),
      'BAD_REQUEST',
      /beads\.0\.dependsOn: unknown dependency "nope"/,
    );
    expect(await rowCounts(townId)).toEqual({ convoys: 0, beads: 0, edges: 0 });

    const convoy = await api.convoy.create.mutate({ townId, title: 'ok', beads: [{ rigId: rigs.a, title: 'k', key: 'k' }] });
    const before = await rowCounts(townId);
    await expectTrpcError(
      api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: [{ rigId: rigs.a, title: 'dup', key: 'k' }] }),
      'BAD_REQUEST',
      /beads\.0\.key: "k" is already used/,
    );
    await expectTrpcError(
      api.convoy.addBeads.mutate({
        townId,
        convoyId: convoy.id,
        beads: [
          { rigId: rigs.a, title: 'fine', key: 'fine', dependsOn: ['k'] },
          { rigId: rigs.a, title: 'bad', dependsOn: ['missing'] },
        ],
      }),
      'BAD_REQUEST',
      /beads\.1\.dependsOn: unknown dependency "missing"/,
    );
    expect(await rowCounts(townId)).toEqual(before);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).totalBeads).toBe(1);
  });

  it('releases a cross-rig chain wave by wave as each dependency closes done or skipped', async () => {
    quietConsole();
    const { townId, rigs } = await townWithRigs('schema', 'api', 'client');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'chain',
      beads: [
        { rigId: rigs.client, title: 'client', key: 'client', dependsOn: ['api'] },
        { rigId: rigs.api, title: 'api', key: 'api', dependsOn: ['schema'] },
        { rigId: rigs.schema, title: 'schema', key: 'schema' },
        { rigId: rigs.api, title: 'docs', dependsOn: ['schema', 'api'] },
      ],
    });
    const [clientId, apiId, schemaId, docsId] = convoy.beadIds;
    expect(convoy).toMatchObject({ waves: 3, readyBeads: 1, blockedBeads: 3 });
    const beads = await allConvoyBeads({ townId, convoyId: convoy.id });
    expect(beads.map((b) => [b.key, b.dependsOn, b.blocked])).toEqual([
      ['client', [apiId], true],
      ['api', [schemaId], true],
      ['schema', [], false],
      [null, [schemaId, apiId], true],
    ]);
    const graph = await api.convoy.graph.query({ townId, convoyId: convoy.id });
    expect(graph.nodes.map((n) => [n.key, n.wave])).toEqual([
      ['client', 3],
      ['api', 2],
      ['schema', 1],
      [null, 3],
    ]);
    expect(graph.edges).toContainEqual({ from: apiId, to: clientId });
    expect(graph.edges).toHaveLength(4);

    // Stored in their rigs, but not claimable.
    expect((await allRigBeads({ townId, rigId: rigs.api })).map((b) => b.id)).toEqual([apiId, docsId]);
    expect(await claim(townId, rigs.api)).toMatchObject({ bead: null, reason: 'no_work' });
    expect((await claim(townId, rigs.schema)).bead?.id).toBe(schemaId);
    await api.rig.closeBead.mutate({ townId, rigId: rigs.schema, beadId: schemaId as string, agentId: 'agent' });
    await drainTown(townId);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ readyBeads: 1, blockedBeads: 2 });
    // docs still waits on api; api is free now.
    expect((await claim(townId, rigs.api)).bead?.id).toBe(apiId);
    expect(await claim(townId, rigs.api, 'other')).toMatchObject({ bead: null, reason: 'no_work' });
    expect(await claim(townId, rigs.client)).toMatchObject({ bead: null });
    await api.rig.closeBead.mutate({ townId, rigId: rigs.api, beadId: apiId as string, agentId: 'agent', outcome: 'skipped' });
    await drainTown(townId);
    expect((await claim(townId, rigs.client)).bead?.id).toBe(clientId);
    expect((await claim(townId, rigs.api, 'other')).bead?.id).toBe(docsId);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ readyBeads: 2, blockedBeads: 0 });
  });

  it('a later addBeads can wait on an earlier bead by id; a done one does not block', async () => {
    quietConsole();
    const { townId, rigs } = await townWithRigs('a', 'b');
    const convoy = await api.convoy.create.mutate({ townId, title: 'grow', beads: [{ rigId: rigs.a, title: 'first' }] });
    const [firstId] = convoy.beadIds;
    const added = await api.convoy.addBeads.mutate({
      townId,
      convoyId: convoy.id,
      beads: [{ rigId: rigs.b, title: 'second', key: 'second', dependsOn: [firstId as string] }],
    });
    expect(added).toMatchObject({ waves: 2, blockedBeads: 1 });
    expect(await claim(townId, rigs.b)).toMatchObject({ bead: null });
    await api.rig.closeBead.mutate({ townId, rigId: rigs.a, beadId: firstId as string });
    await drainTown(townId);
    expect((await claim(townId, rigs.b)).bead?.id).toBe(added.beadIds[0]);
    const third = await api.convoy.addBeads.mutate({
      townId,
      convoyId: convoy.id,
      beads: [{ rigId: rigs.a, title: 'third', dependsOn: [firstId as string] }],
    });
    expect(third.blockedBeads).toBe(0);
    expect((await claim(townId, rigs.a)).bead?.id).toBe(third.beadIds[0]);
  });

  it('skips every transitive dependent when a dependency fails for good; retryFailed reopens them blocked', async () => {
    quietConsole();
    const { townId, rigs } = await townWithRigs('a', 'b');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'fails',
      maxAttempts: 1,
      beads: [
        { rigId: rigs.a, title: 'root', key: 'root' },
        { rigId: rigs.b, title: 'mid', key: 'mid', dependsOn: ['root'] },
        { rigId: rigs.a, title: 'leaf', key: 'leaf', dependsOn: ['mid'] },
        { rigId: rigs.b, title: 'other' },
      ],
    });
    const [rootId, midId, leafId, otherId] = convoy.beadIds as [string, string, string, string];
    await claim(townId, rigs.a);
    await api.rig.closeBead.mutate({ townId, rigId: rigs.a, beadId: rootId, agentId: 'agent', outcome: 'failed' });
    await drainTown(townId);
    const reason = `dependency_failed: ${rootId}`;
    const after = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(after).toMatchObject({ failedBeads: 1, skippedBeads: 2, closedBeads: 3, blockedBeads: 0, status: 'active' });
    const inRigs = [...(await allRigBeads({ townId, rigId: rigs.a })), ...(await allRigBeads({ townId, rigId: rigs.b }))];
    const byId = new Map(inRigs.map((b) => [b.id, b]));
    expect(byId.get(midId)).toMatchObject({ status: 'closed', outcome: 'skipped', reason });
    expect(byId.get(leafId)).toMatchObject({ status: 'closed', outcome: 'skipped', reason });
    expect(byId.get(otherId)).toMatchObject({ status: 'open' });
    // The last bead closes: the convoy fails (the skips never let it land).
    await api.rig.closeBead.mutate({ townId, rigId: rigs.b, beadId: otherId });
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).status).toBe('failed');

    const retried = await api.convoy.retryFailed.mutate({ townId, convoyId: convoy.id });
    expect(retried).toMatchObject({ status: 'active', failedBeads: 0, skippedBeads: 0, closedBeads: 1, blockedBeads: 2, readyBeads: 1 });
    const rigA = await allRigBeads({ townId, rigId: rigs.a });
    expect(rigA.find((b) => b.id === leafId)).toMatchObject({ status: 'open', outcome: null, reason: null });
    // Only root is claimable; then the chain runs to landing.
    expect((await claim(townId, rigs.a)).bead?.id).toBe(rootId);
    expect(await claim(townId, rigs.b)).toMatchObject({ bead: null });
    await api.rig.closeBead.mutate({ townId, rigId: rigs.a, beadId: rootId, agentId: 'agent' });
    await drainTown(townId);
    expect((await claim(townId, rigs.b)).bead?.id).toBe(midId);
    await api.rig.closeBead.mutate({ townId, rigId: rigs.b, beadId: midId, agentId: 'agent' });
    await drainTown(townId);
    expect((await claim(townId, rigs.a)).bead?.id).toBe(leafId);
    await api.rig.closeBead.mutate({ townId, rigId: rigs.a, beadId: leafId, agentId: 'agent' });
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).status).toBe('landed');
  });

  it('a close releases its dependents in O(dependents) rows, whatever the convoy holds', async () => {
    quietConsole();
    const { townId, rigs } = await townWithRigs('a');
    const releaseCost = async (flat: number) => {
      const beads = [
        { rigId: rigs.a, title: 'root', key: 'root' },
        { rigId: rigs.a, title: 'dep-1', dependsOn: ['root'] },
        { rigId: rigs.a, title: 'dep-2', dependsOn: ['root'] },
        ...Array.from({ length: flat }, (_, i) => ({
          rigId: rigs.a,
          title: `flat-${i}`,
          key: `flat-${i}`,
          dependsOn: i > 0 ? [`flat-${i - 1}`] : [],
        })),
      ];
      const convoy = await api.convoy.create.mutate({ townId, title: 'big', beads });
      return withTownDb(townId, (_db, storage) => {
        const cursor = storage.sql.exec(
          `update convoy_beads set waiting_on = waiting_on - 1 where convoy_id = ? and status = 'open' and waiting_on > 0
            and bead_id in (select dependent_id from convoy_bead_deps where convoy_id = ? and dependency_id = ?) returning bead_id`,
          convoy.id,
          convoy.id,
          convoy.beadIds[0],
        );
        expect(cursor.toArray()).toHaveLength(2);
        return cursor.rowsRead;
      });
    };
    const small = await releaseCost(2);
    const large = await releaseCost(3_000);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(16); // 2 dependents: their edges and rows, and index probes
  });
});
