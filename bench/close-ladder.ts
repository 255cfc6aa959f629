// `npm run bench:close-ladder`: where a close's time goes over HTTP (issue 25). One fresh `wrangler dev`,
// 200 concurrent raw `fetch`es per rung (no typed client: it batches queries, which would flatter the
// reads), rungs interleaved over 5 rounds (the first untimed), medians in calls/s and as a ratio of
// `GET /health`. Each rung adds one thing to the one before:
//   /health → a POST that tRPC's zod refuses in the Worker (no DO) → a one-row read in the TownDO
//   (`town.status`) → a repeated close (the DO's close path, nothing written) → a fresh close (written).
import { createTownClient } from '../client/index.ts';
import { interleaved, perSecond } from './node-runs.ts';
import { median } from './stats.ts';
import { startWranglerDev } from './wrangler-dev.ts';

const PORT = Number(process.env.BENCH_PORT ?? 30740);
const CONCURRENT = 200;
const ROUNDS = 5;
const RIG_COUNT = 10;

async function ladder(url: string) {
  const town = createTownClient({ url, token: 'dev-token' });
  const townId = `ladder-${Date.now().toString(36)}`;
  const rigIds: string[] = [];
  for (let i = 0; i < RIG_COUNT; i++) rigIds.push((await town.rig.register.mutate({ townId, name: `rig-${i}` })).id);
  const perRig = CONCURRENT / RIG_COUNT;
  const openConvoy = () =>
    town.convoy.create.mutate({
      townId,
      title: 'ladder',
      beads: rigIds.flatMap((rigId) => Array.from({ length: perRig }, (_, i) => ({ rigId, title: `bead ${i}` }))),
    });
  const headers = { authorization: 'Bearer dev-token', 'content-type': 'application/json' };
  const each = (path: string, init: RequestInit = {}) =>
    perSecond(() => Array.from({ length: CONCURRENT }, async () => (await fetch(`${url}${path}`, init)).text()));
  const closes = (convoy: { id: string; beadIds: string[] }) =>
    perSecond(() =>
      convoy.beadIds.map(async (beadId) => {
        const body = JSON.stringify({ townId, convoyId: convoy.id, beadId });
        return (await fetch(`${url}/trpc/convoy.beadClosed`, { method: 'POST', headers, body })).text();
      }),
    );
  const closedOnce = await openConvoy();
  await closes(closedOnce);
  const rungs: Record<string, () => Promise<number>> = {
    'GET /health': () => each('/health'),
    'POST refused by zod in the Worker (no DO)': () =>
      each('/trpc/convoy.beadClosed', { method: 'POST', headers, body: JSON.stringify({ townId }) }),
    'town.status: one TownDO call reading one row': () =>
      each(`/trpc/town.status?input=${encodeURIComponent(JSON.stringify({ townId }))}`, { headers }),
    'convoy.beadClosed repeated: the close path, nothing written': () => closes(closedOnce),
    'convoy.beadClosed: a close written': async () => closes(await openConvoy()),
  };
  const results = await interleaved(ROUNDS, rungs);
  const health = median(results['GET /health'] ?? []);
  for (const [name, values] of Object.entries(results)) {
    const value = median(values);
    console.log(`${name}: ${value.toFixed(0)}/s, ${(value / health).toFixed(2)}× of /health`);
  }
}

const server = await startWranglerDev(PORT);
try {
  await ladder(server.url);
} finally {
  server.stop();
}
