import { it } from 'vitest';
import type { NewBead } from '../server/convoys/convoys';
import { type AgentRun, runAgents, TownPump } from './agents';
import { fmt, median, report } from './report';
import { benchTown, quietLogs, value } from './town';
import { rowsPerBead } from './wave-rows';

// Scenario 21: a 10,000-bead convoy of 100 waves × 100 beads over 10 rigs run to landing by simulated
// agents (claim → close over the Rig DO RPCs, several per rig), against a flat 10,000-bead convoy over
// the same rigs run the same way, rounds interleaved in one run. In the waves convoy bead (wave w, rig r,
// slot s) waits on (w − 1, r + 1 mod 10, s): 100 chains of 100 beads, each step crossing to another rig,
// so every close but the last wave's releases one bead on another rig through the town's durable message.

const RIG_COUNT = 10;
const WAVES = 100;
const SLOTS = 10; // beads per rig per wave
const PER_RIG = WAVES * SLOTS;
const TOTAL = RIG_COUNT * PER_RIG;
const AGENTS_PER_RIG = 4;
const ROUNDS = 2;
const TARGET_RATIO = 1.5;
const SCENARIO = '21. a 10,000-bead convoy run to landing: 100 waves vs flat (simulated agents)';

type Variant = 'flat' | 'waves';

function flatBeads(rigIds: readonly string[]): NewBead[] {
  return rigIds.flatMap((rigId, r) => Array.from({ length: PER_RIG }, (_, i) => ({ rigId, title: `flat-${r}-${i}` })));
}

function waveBeads(rigIds: readonly string[]): NewBead[] {
  const beads: NewBead[] = [];
  for (let w = 0; w < WAVES; w++)
    for (let r = 0; r < RIG_COUNT; r++)
      for (let s = 0; s < SLOTS; s++) {
        const key = `w${w}-r${r}-s${s}`;
        const dependsOn = w > 0 ? [`w${w - 1}-r${(r + 1) % RIG_COUNT}-s${s}`] : undefined;
        beads.push({ rigId: rigIds[r] as string, title: key, key, ...(dependsOn ? { dependsOn } : {}) });
      }
  return beads;
}

interface RoundResult extends AgentRun {
  variant: Variant;
  createMs: number;
  pumpRuns: number;
  pumpMs: number;
}

it(SCENARIO, { timeout: 3_000_000 }, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('waves', RIG_COUNT);
  const rigIds = rigs.map((r) => r.id);
  const beads: Record<Variant, NewBead[]> = { flat: flatBeads(rigIds), waves: waveBeads(rigIds) };
  const pump = new TownPump(stub);

  const runOnce = async (variant: Variant): Promise<RoundResult> => {
    const createStart = performance.now();
    const convoy = value(await stub.createConvoy(townId, { title: `${variant}`, beads: beads[variant] }));
    const createMs = performance.now() - createStart;
    const expectWaves = variant === 'waves' ? WAVES : 1;
    if (convoy.waves !== expectWaves || convoy.blockedBeads !== TOTAL - TOTAL / expectWaves)
      throw new Error(`${variant}: staged ${convoy.waves} waves, ${convoy.blockedBeads} blocked`);
    const runsBefore = pump.runs;
    const busyBefore = pump.busyMs;
    const run = await runAgents(pump, townId, rigIds, PER_RIG, AGENTS_PER_RIG);
    // Every bead claimed exactly once, and only the convoy's.
    const ids = new Set(run.claimed);
    const own = new Set(convoy.beadIds);
    if (run.claimed.length !== TOTAL || ids.size !== TOTAL || [...ids].some((id) => !own.has(id)))
      throw new Error(`${variant}: ${run.claimed.length} claims of ${ids.size} distinct beads, expected ${TOTAL} once each`);
    const landed = value(await stub.getConvoy(townId, convoy.id));
    if (landed.status !== 'landed' || landed.closedBeads !== TOTAL || landed.blockedBeads !== 0)
      throw new Error(`${variant}: ${landed.status}, ${landed.closedBeads} closed, ${landed.blockedBeads} blocked`);
    const pumpRuns = pump.runs - runsBefore;
    const pumpMs = pump.busyMs - busyBefore;
    // Progress on stderr: a full run takes minutes.
    console.warn(`${variant}: ${Math.round(run.ms)} ms, ${run.idleClaims} idle claims, ${pumpRuns} alarm runs (${Math.round(pumpMs)} ms)`);
    return { ...run, variant, createMs, pumpRuns, pumpMs };
  };

  const results: RoundResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: Variant[] = round % 2 === 0 ? ['flat', 'waves'] : ['waves', 'flat'];
    for (const variant of order) results.push(await runOnce(variant));
  }
  const of = (variant: Variant) => results.filter((r) => r.variant === variant);
  const perBead = (variant: Variant) => median(of(variant).map((r) => r.ms / TOTAL));
  const ms = { flat: perBead('flat'), waves: perBead('waves') };
  const ratio = ms.waves / ms.flat;
  const every = (variant: Variant) =>
    of(variant)
      .map((r) => fmt(r.ms / TOTAL, 2))
      .join(', ');
  const idle = (variant: Variant) => median(of(variant).map((r) => r.idleClaims));
  const create = (variant: Variant) => median(of(variant).map((r) => r.createMs));
  const alarm = (variant: Variant) => {
    const runs = of(variant);
    return `${fmt(median(runs.map((r) => r.pumpRuns)), 0)} runs, ${fmt(median(runs.map((r) => r.pumpMs / TOTAL)), 2)} ms per bead`;
  };
  const rows = await rowsPerBead(townId, rigs);
  const { parts } = rows;
  const pair = (r: { rowsRead: number; rowsWritten: number }) => `${r.rowsRead} / ${r.rowsWritten}`;

  await report([
    {
      scenario: SCENARIO,
      measure: 'flat convoy: time per bead, claim → close to landing (ms)',
      value: fmt(ms.flat, 2),
      note: `median of ${ROUNDS} runs (${every('flat')}); ${RIG_COUNT} rigs × ${AGENTS_PER_RIG} agents; 10,000 claimable at once`,
    },
    {
      scenario: SCENARIO,
      measure: '100 waves × 100 beads: time per bead (ms)',
      value: fmt(ms.waves, 2),
      note: `median of ${ROUNDS} runs (${every('waves')}); 9,900 releases, each sent to its rig by the close that made it (the alarm only retries)`,
    },
    {
      scenario: SCENARIO,
      measure: 'ratio waves / flat',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
    },
    {
      scenario: SCENARIO,
      measure: 'claims answered no_work (median per run): flat / waves',
      value: `${idle('flat')} / ${idle('waves')}`,
      note: 'an idle agent waits for the next alarm run (or runs it when nothing is in flight)',
    },
    {
      scenario: SCENARIO,
      measure: 'town alarm runs driven by the agents (median per run): flat / waves',
      value: `${alarm('flat')} / ${alarm('waves')}`,
      note: 'wall time inside the alarm, overlapping the agents’ calls: with releases sent by the closes it finds nothing due in either',
    },
    {
      scenario: SCENARIO,
      measure: 'rows read / written per bead: flat / waves',
      value: `${pair(rows.flat)} / ${pair(rows.waves)}`,
      note: `claim + close on the rig ${pair(parts.rigLoop)}; the town’s close ${pair(parts.townFlat)} flat, ${pair(parts.townClose)} releasing a dependent; the release message (alarm run, a lone release) ${pair(parts.townTask)} in the town, ${pair(parts.rigRelease)} in the dependent’s rig`,
    },
    {
      scenario: SCENARIO,
      measure: 'every bead claimed exactly once; the convoy landed',
      value: `${results.length} of ${results.length} runs`,
      target: 'all',
      met: true,
      note: `10,000 claims of 10,000 distinct beads of the convoy each run; convoy.get landed, 10,000 closed, 0 blocked; create (not timed above): flat ${fmt(create('flat'), 0)} ms, waves ${fmt(create('waves'), 0)} ms`,
    },
  ]);
});
