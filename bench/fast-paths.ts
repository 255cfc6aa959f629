// `npm run bench:fast-paths`: scenario 15 (issue 25) over real HTTP into a fresh `wrangler dev --env
// dev` (port BENCH_PORT, default 30730), from this Node process with the typed client, each target a
// ratio of variants interleaved within the run (rotating which goes first), medians of the rounds:
// - a 10-bead `convoy.create` over 10 rigs vs the same over 1 rig (rounds of 10 sequential creates);
// - 200 concurrent `convoy.beadClosed` and 200 concurrent `rig.closeBead` vs 200 concurrent `GET /health`.
// Writes bench/fast-paths.json, which bench/results-server.ts adds to RESULTS.md.
import { loadavg } from 'node:os';
import { createTownClient } from '../client/index.ts';
import { interleaved, perSecond, writeRunRows } from './node-runs.ts';
import { median } from './stats.ts';
import { startWranglerDev } from './wrangler-dev.ts';

const PORT = Number(process.env.BENCH_PORT ?? 30730);
const RIG_COUNT = 10;
const CREATE_ROUNDS = 9;
const CREATES_PER_ROUND = 10;
const CLOSE_ROUNDS = 7;
const CONCURRENT = 200;
const TARGET_CREATE = 1.3;
const TARGET_CLOSES = 0.6;
const SCENARIO = '15. fast paths over HTTP in wrangler dev (issue 25)';

async function run(url: string) {
  const town = createTownClient({ url, token: 'dev-token' });
  const townId = `fast-paths-${Date.now().toString(36)}`;
  const rigs: { id: string }[] = [];
  for (let i = 0; i < RIG_COUNT; i++) rigs.push(await town.rig.register.mutate({ townId, name: `rig-${i}` }));
  const rigIds = rigs.map((r) => r.id);

  const overTen = rigIds.map((rigId, i) => ({ rigId, title: `bead ${i}` }));
  const overOne = rigIds.map((_, i) => ({ rigId: rigIds[0] ?? '', title: `bead ${i}` }));
  // waitForRigs false: the answer after the town's commit, the rigs' deliveries right after (docs/convoys.md).
  const msPerCreate =
    (beads: typeof overTen, waitForRigs = true) =>
    async () => {
      const started = performance.now();
      for (let i = 0; i < CREATES_PER_ROUND; i++) await town.convoy.create.mutate({ townId, title: 'fast', beads, waitForRigs });
      return (performance.now() - started) / CREATES_PER_ROUND;
    };
  const creates = await interleaved(CREATE_ROUNDS, {
    one: msPerCreate(overOne),
    ten: msPerCreate(overTen),
    oneNoWait: msPerCreate(overOne, false),
    tenNoWait: msPerCreate(overTen, false),
  });

  // Each close round gets a fresh convoy of 21 open beads per rig (made untimed), bead i on rig ⌊i / 21⌋.
  const perRig = CONCURRENT / RIG_COUNT + 1;
  const openConvoy = () =>
    town.convoy.create.mutate({
      townId,
      title: 'load',
      beads: rigIds.flatMap((rigId) => Array.from({ length: perRig }, (_, i) => ({ rigId, title: `bead ${i}` }))),
    });
  const closes = await interleaved(CLOSE_ROUNDS, {
    health: () => perSecond(() => Array.from({ length: CONCURRENT }, async () => (await fetch(`${url}/health`)).json())),
    beadClosed: async () => {
      const c = await openConvoy();
      return perSecond(() =>
        c.beadIds.slice(0, CONCURRENT).map((beadId) => town.convoy.beadClosed.mutate({ townId, convoyId: c.id, beadId })),
      );
    },
    closeBead: async () => {
      const c = await openConvoy();
      return perSecond(() =>
        c.beadIds
          .slice(0, CONCURRENT)
          .map((beadId, i) => town.rig.closeBead.mutate({ townId, rigId: rigIds[Math.floor(i / perRig)] ?? '', beadId })),
      );
    },
  });
  return {
    create: {
      one: median(creates.one),
      ten: median(creates.ten),
      oneNoWait: median(creates.oneNoWait),
      tenNoWait: median(creates.tenNoWait),
    },
    close: { health: median(closes.health), beadClosed: median(closes.beadClosed), closeBead: median(closes.closeBead) },
  };
}

async function main() {
  const server = await startWranglerDev(PORT);
  try {
    const r = await run(server.url);
    const createRatio = r.create.ten / r.create.one;
    const noWaitRatio = r.create.tenNoWait / r.create.oneNoWait;
    const beadClosedRatio = r.close.beadClosed / r.close.health;
    const closeBeadRatio = r.close.closeBead / r.close.health;
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
    const rows = [
      { scenario: SCENARIO, measure: 'convoy.create, 10 beads over 1 rig (ms)', value: r.create.one.toFixed(1) },
      { scenario: SCENARIO, measure: 'convoy.create, 10 beads over 10 rigs (ms)', value: r.create.ten.toFixed(1) },
      {
        scenario: SCENARIO,
        measure: 'create ratio 10 rigs / 1 rig (default: waits for the rigs)',
        value: `${createRatio.toFixed(2)}×`,
        note: `${CREATE_ROUNDS} interleaved rounds of ${CREATES_PER_ROUND} sequential creates of each variant; the answer comes once every rig holds its beads`,
      },
      { scenario: SCENARIO, measure: 'convoy.create waitForRigs false, 10 beads over 1 rig (ms)', value: r.create.oneNoWait.toFixed(1) },
      { scenario: SCENARIO, measure: 'convoy.create waitForRigs false, 10 beads over 10 rigs (ms)', value: r.create.tenNoWait.toFixed(1) },
      {
        scenario: SCENARIO,
        measure: 'create ratio 10 rigs / 1 rig, waitForRigs false',
        value: `${noWaitRatio.toFixed(2)}×`,
        target: `≤ ${TARGET_CREATE}×`,
        met: noWaitRatio <= TARGET_CREATE,
        note: 'the answer once the town committed the convoy and its deliveries; the rigs get the beads right after (pendingDeliveries)',
      },
      {
        scenario: SCENARIO,
        measure: '200 concurrent GET /health (calls/s)',
        value: r.close.health.toFixed(0),
        note: `median of ${CLOSE_ROUNDS} rounds`,
      },
      { scenario: SCENARIO, measure: '200 concurrent convoy.beadClosed (closes/s)', value: r.close.beadClosed.toFixed(0) },
      {
        scenario: SCENARIO,
        measure: 'ratio convoy.beadClosed / GET /health',
        value: `${beadClosedRatio.toFixed(2)}×`,
        target: `≥ ${TARGET_CLOSES}×`,
        met: beadClosedRatio >= TARGET_CLOSES,
      },
      { scenario: SCENARIO, measure: '200 concurrent rig.closeBead (closes/s)', value: r.close.closeBead.toFixed(0) },
      {
        scenario: SCENARIO,
        measure: 'ratio rig.closeBead / GET /health',
        value: `${closeBeadRatio.toFixed(2)}×`,
        target: `≥ ${TARGET_CLOSES}×`,
        met: closeBeadRatio >= TARGET_CLOSES,
        note: `three DO calls before the answer: rigForWork on the TownDO, closeBead on the Rig DO, and from there its notice to the TownDO (so a bead the close releases is claimable when it answers); load average at the end ${load}`,
      },
    ];
    writeRunRows('fast-paths.json', 'npm run bench:fast-paths', rows);
    for (const row of rows) console.log(`${row.measure}: ${row.value}${row.target ? ` (target ${row.target})` : ''}`);
  } finally {
    server.stop();
  }
}

await main();
