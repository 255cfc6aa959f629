import { it } from 'vitest';
import type { NewBead } from '../server/convoys/convoys';
import { compareMs, fmt, report } from './report';
import { benchTown, quietLogs, spreadBeads, value } from './town';

// Scenario 18: convoy.create and convoy.addBeads of 1,000 beads over 10 rigs as a chain of 10 waves
// (each bead waits on the bead at the same place in the wave before), against the same calls without
// dependencies, interleaved in one run.

const RIG_COUNT = 10;
const BEADS_PER_RIG = 100;
const WAVES = 10;
const TARGET_RATIO = 1.5;
const SCENARIO = '18. convoy.create / addBeads with dependencies (1,000 beads, 10 waves)';

it(SCENARIO, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('deps', RIG_COUNT);
  const flat = spreadBeads(
    rigs.map((r) => r.id),
    BEADS_PER_RIG,
  );
  const perWave = flat.length / WAVES;
  let run = 0;
  // Keys are unique per convoy; addBeads goes into one convoy, so each call's keys carry its run number.
  const chained = (tag: string): NewBead[] =>
    flat.map((bead, i) => {
      const wave = Math.floor(i / perWave);
      return { ...bead, key: `${tag}-${i}`, ...(wave > 0 ? { dependsOn: [`${tag}-${i - perWave}`] } : {}) };
    });
  const target = value(await stub.createConvoy(townId, { title: 'add target', beads: flat.slice(0, 1) }));
  const created = value(await stub.createConvoy(townId, { title: 'check', beads: chained('check') }));
  if (created.waves !== WAVES || created.blockedBeads !== flat.length - perWave)
    throw new Error(`chain not staged: ${created.waves} waves`);

  const opts = { samples: 9, batch: 1, warmup: 2 };
  const ms = await compareMs(
    {
      createFlat: () => stub.createConvoy(townId, { title: 'flat', beads: flat }),
      createChain: () => stub.createConvoy(townId, { title: 'chain', beads: chained('c') }),
      addFlat: () => stub.addConvoyBeads(townId, { convoyId: target.id, beads: flat }),
      addChain: () => {
        run += 1;
        return stub.addConvoyBeads(townId, { convoyId: target.id, beads: chained(`a${run}`) });
      },
    },
    opts,
  );
  const createRatio = ms.createChain / ms.createFlat;
  const addRatio = ms.addChain / ms.addFlat;
  await report([
    { scenario: SCENARIO, measure: 'create, no dependencies (ms)', value: fmt(ms.createFlat, 1) },
    { scenario: SCENARIO, measure: 'create, chain of 10 waves (ms)', value: fmt(ms.createChain, 1) },
    {
      scenario: SCENARIO,
      measure: 'ratio create chain / flat',
      value: `${fmt(createRatio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: createRatio <= TARGET_RATIO,
      note: 'the chain also writes a key index entry per bead and 900 edge rows (convoy_bead_deps), one INSERT … json_each per chunk',
    },
    { scenario: SCENARIO, measure: 'addBeads, no dependencies (ms)', value: fmt(ms.addFlat, 1) },
    { scenario: SCENARIO, measure: 'addBeads, chain of 10 waves (ms)', value: fmt(ms.addChain, 1) },
    {
      scenario: SCENARIO,
      measure: 'ratio addBeads chain / flat',
      value: `${fmt(addRatio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: addRatio <= TARGET_RATIO,
      note: 'addBeads also checks the call’s keys against the convoy’s (along the key index)',
    },
  ]);
});
