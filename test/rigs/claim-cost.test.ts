import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { claimBead } from '../../server/rigs/claims';
import { countedInRig, rigStubOf, seedRig } from './rig-seed';

// A claim reads a handful of rows whatever the rig holds: the next claimable bead is the first entry
// of a partial index (beads in backoff, held or closed are not in it).

const CLAIM_ROWS_READ_MAX = 10;

describe('claim cost', () => {
  it('reads at most 10 rows, the same with 10 or 20,000 claimable beads and 5,000 in backoff', async () => {
    const small = `claim-cost-small-${crypto.randomUUID()}`;
    const large = `claim-cost-large-${crypto.randomUUID()}`;
    await seedRig(small, 10);
    await seedRig(large, 20_000, 5_000);
    const claim = (key: string, agentId: string) => countedInRig(key, (ctx) => claimBead(ctx, { agentId }));
    const smallCost = await claim(small, 'a');
    const largeCost = await claim(large, 'a');
    expect(smallCost.result.bead?.id).toBe('b1');
    expect(largeCost.result.bead?.id).toBe('b1');
    expect(largeCost.rowsRead).toBe(smallCost.rowsRead);
    expect(largeCost.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
    expect(largeCost.rowsWritten).toBe(smallCost.rowsWritten);
    // The next claim, after 1 held bead, is as cheap; so is a repeated claim of the same agent.
    const next = await claim(large, 'b');
    expect(next.result.bead?.id).toBe('b2');
    expect(next.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
    const repeat = await claim(large, 'a');
    expect(repeat.result.bead?.id).toBe('b1');
    expect(repeat.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
  });

  it('reads at most 10 rows in the worst case: the reports task pending and all five priority levels holding beads', async () => {
    const key = `claim-cost-worst-${crypto.randomUUID()}`;
    // Beads of a convoy (each claim writes a report to the town) over the five levels, all long waiting:
    // every level's head is a candidate.
    await seedRig(key, 50, 0, 'c', 5);
    const first = await countedInRig(key, (ctx) => claimBead(ctx, { agentId: 'a' }));
    expect(first.result.bead?.id).toBe('b1');
    // The first claim scheduled the reports task; this one finds it pending.
    const worst = await countedInRig(key, (ctx) => claimBead(ctx, { agentId: 'b' }));
    expect(worst.result.bead?.id).toBe('b6');
    expect(worst.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
    // The town and the convoy paused once and resumed: their rows stay (for their versions) but cost no read.
    await runInDurableObject(rigStubOf(key), (_i, state) => {
      state.storage.sql.exec("insert into pauses (scope, paused, version) values ('town', 0, 2), ('c', 0, 2)");
    });
    const resumed = await countedInRig(key, (ctx) => claimBead(ctx, { agentId: 'c' }));
    expect(resumed.result.bead?.id).toBe('b11');
    expect(resumed.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
  });

  it('answers no_work with nextClaimAt from the backoff index, reading a few rows', async () => {
    const key = `claim-cost-waiting-${crypto.randomUUID()}`;
    await seedRig(key, 0, 5_000);
    const { result, rowsRead } = await countedInRig(key, (ctx) => claimBead(ctx, { agentId: 'a' }));
    expect(result).toMatchObject({ bead: null, reason: 'no_work', nextClaimAt: expect.any(String) });
    expect(rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
  });
});
