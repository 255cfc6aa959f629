import { runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { skipBeads, unblockBeads } from '../../server/rigs/dependencies';
import { countedInRig, rigStubOf, seedRig } from './rig-seed';

// The town's release and skip messages cost the rig O(named beads) rows, whatever the convoy holds there
// (a wave of a 10,000-bead convoy is released bead by bead: bench scenario 20).

async function messageCost(open: number) {
  const key = `release-cost-${open}-${crypto.randomUUID()}`;
  await seedRig(key, open, 0, 'c');
  await runInDurableObject(rigStubOf(key), (_i, state) => {
    state.storage.sql.exec("update beads set blocked = 1 where id in ('b1', 'b2', 'b3')");
  });
  const release = await countedInRig(key, (ctx) => unblockBeads(ctx, 'c', ['b1', 'b2']));
  const skip = await countedInRig(key, (ctx) => skipBeads(ctx, 'c', ['b3'], 'dependency_failed: x'));
  expect(release.result.missing).toBe(0);
  expect(skip.result.missing).toBe(0);
  return { release: release.rowsRead, skip: skip.rowsRead };
}

it('a release or a skip reads the beads it names, not the convoy', async () => {
  const small = await messageCost(5);
  const large = await messageCost(3_000);
  expect(large).toEqual(small);
  expect(large.release).toBeLessThanOrEqual(16); // 2 beads: the count, the json_each rows, the updates and their index entries
  expect(large.skip).toBeLessThanOrEqual(10);
});
