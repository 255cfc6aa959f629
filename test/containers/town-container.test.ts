// The real Town Container: container/Dockerfile built and started by the real TownContainer class under
// `wrangler dev --enable-containers`, checked by the real watchdog. `npm run test:containers`; skipped,
// loudly, without a Docker daemon (TOWN_REQUIRE_CONTAINERS=1 turns the skip into a failure, as in CI).
// Heartbeats are driven with `watchdog.heartbeat` (the same run the scheduler starts every 3 minutes).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { createTownClient, type RouterOutputs, type TownClient } from '../../client/index.ts';
import { CHROMIUM_MISSING, type DevServer, findChromium, REPO_ROOT, startDevServer } from '../browser/harness.ts';
import {
  DOCKER_MISSING,
  dockerUnavailable,
  execAsRoot,
  type RunningContainer,
  removeContainersNamed,
  runContainerSetup,
  townContainers,
} from './docker.ts';

type TargetReport = RouterOutputs['watchdog']['heartbeat']['targets'][number];

const DEV_TOKEN = 'dev-token';
const CONTAINER_TARGET = 'town-container';
/** The container's scratch space; its `/health` fails while the `node` user cannot write there. */
const WORKDIR = '/town';
/** Far more checks than any failure threshold the watchdog would use; only bounds a broken loop. */
const MAX_FAILED_CHECKS = 10;
const OUTPUT_DIR = join(REPO_ROOT, 'test-results/containers');

const unavailable = dockerUnavailable();
if (unavailable) {
  if (process.env.TOWN_REQUIRE_CONTAINERS === '1')
    throw new Error(`TOWN_REQUIRE_CONTAINERS=1 but ${unavailable}\n${DOCKER_MISSING(unavailable)}`);
  console.warn(DOCKER_MISSING(unavailable));
}

describe('the real Town Container under wrangler dev', { skip: unavailable ? `${unavailable} (see the banner above)` : false }, () => {
  const timings: Record<string, number> = {};
  const townId = `containers-${Math.random().toString(36).slice(2, 10)}`;
  let dev: DevServer;
  let api: TownClient;
  let container: RunningContainer;
  const existingContainers = new Set<string>();

  before(async () => {
    let started = performance.now();
    const settings = runContainerSetup();
    timings.setupMs = Math.round(performance.now() - started);
    for (const c of townContainers()) existingContainers.add(c.id);
    started = performance.now();
    // What `npm run dev:containers` runs (scripts/containers/dev.sh), on a port and state of its own.
    dev = await startDevServer('containers', { args: ['--enable-containers', '--var', 'TOWN_CONTAINER_ENABLED:true'], env: settings });
    timings.devStartMs = Math.round(performance.now() - started);
    api = createTownClient({ url: dev.url, token: DEV_TOKEN });
    await api.rig.register.mutate({ townId, name: 'frontend' });
  });

  after(async () => {
    await dev?.stop();
    // wrangler removes its containers when it stops; these are what a crash would have left behind.
    if (container) await removeContainersNamed(container.name);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    writeFileSync(join(OUTPUT_DIR, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    console.log(`container suite timings: ${JSON.stringify(timings)}`);
  });

  async function checkContainer(): Promise<TargetReport> {
    const report = await api.watchdog.heartbeat.mutate({ townId });
    assert.deepEqual(report.stepErrors, []);
    const target = report.targets.find((t) => t.target === CONTAINER_TARGET);
    assert.ok(target, 'the heartbeat checked the Town Container');
    return target;
  }

  async function containerEscalations() {
    const { items } = await api.escalation.list.query({ townId });
    return items.filter((e) => e.sourceRigId === CONTAINER_TARGET);
  }

  test('a heartbeat starts the container and finds it healthy, with its latency (cold, then warm)', async () => {
    const cold = await checkContainer();
    assert.equal(cold.status, 'healthy', `container check: ${cold.error}`);
    assert.equal(cold.error, null);
    timings.coldCheckMs = cold.latencyMs;

    // The TownContainer class started container/Dockerfile's image: one new container, for this town.
    const started = townContainers().filter((c) => !existingContainers.has(c.id));
    assert.equal(started.length, 1, `new Town Containers: ${JSON.stringify(started)}`);
    container = started[0] as RunningContainer;
    assert.match(container.image, /towncontainer/);

    const warm = await checkContainer();
    assert.equal(warm.status, 'healthy');
    timings.warmCheckMs = warm.latencyMs;

    const status = await api.watchdog.status.query({ townId });
    const record = status.targets.find((t) => t.target === CONTAINER_TARGET);
    assert.equal(record?.status, 'healthy');
    assert.equal(record?.kind, 'container');
    assert.equal(record?.latencyMs, warm.latencyMs);
    assert.equal(record?.consecutiveFailures, 0);
  });

  test('told to fail, it is reported down after the run of failed checks, with one escalation', async (t) => {
    if (!container) return t.skip('no container was started (see the test before)');
    // Its workdir read-only for the `node` user: /health itself answers 503. The container keeps running,
    // so the Container class has nothing to restart; only making /town writable again heals it.
    execAsRoot(container.id, ['chmod', '0555', WORKDIR]);

    const first = await checkContainer();
    assert.equal(first.status, 'unhealthy');
    assert.equal(first.transition, 'failing');
    assert.match(first.error ?? '', /^container reported 503: .*workdir \/town is not writable: EACCES/);
    assert.deepEqual(await containerEscalations(), [], 'one failed check is not yet an outage worth an escalation');

    let escalatedAt = 0;
    for (let checks = 2; checks <= MAX_FAILED_CHECKS && !escalatedAt; checks++) {
      const next = await checkContainer();
      assert.equal(next.status, 'unhealthy');
      assert.equal(next.consecutiveFailures, checks);
      if (next.transition === 'escalated') escalatedAt = checks;
      else assert.equal(next.transition, null);
    }
    assert.ok(escalatedAt > 1, `escalated after ${escalatedAt} failed checks`);
    // One more failed check folds into the same escalation.
    const again = await checkContainer();
    assert.equal(again.transition, null);

    const escalations = await containerEscalations();
    assert.equal(escalations.length, 1, JSON.stringify(escalations));
    const [outage] = escalations;
    assert.equal(outage?.status, 'open');
    assert.equal(outage?.severity, 'critical');
    assert.equal(outage?.occurrences, 2);
    const status = await api.watchdog.status.query({ townId });
    const record = status.targets.find((r) => r.target === CONTAINER_TARGET);
    assert.equal(record?.status, 'unhealthy');
    assert.equal(record?.escalationId, outage?.id);
    // Still the same container: the outage was the container's, not a restart's.
    assert.deepEqual(
      townContainers().map((c) => c.id),
      [container.id],
    );
  });

  test('healthy again, it recovers and the escalation resolves', async (t) => {
    if (!container) return t.skip('no container was started');
    execAsRoot(container.id, ['chmod', '0755', WORKDIR]);
    const check = await checkContainer();
    assert.equal(check.status, 'healthy');
    assert.equal(check.transition, 'recovered');
    assert.equal(check.consecutiveFailures, 0);
    const [outage, ...others] = await containerEscalations();
    assert.deepEqual(others, []);
    assert.equal(outage?.status, 'resolved');
    assert.equal(outage?.resolvedBy, 'watchdog');
  });

  const chromiumPath = findChromium();
  const noBrowser = !chromiumPath && process.env.TOWN_REQUIRE_BROWSER !== '1';
  if (noBrowser) console.warn(CHROMIUM_MISSING);
  test("the dashboard's rigs table shows it healthy, with its latency", { skip: noBrowser ? 'no Chromium' : false }, async () => {
    assert.ok(chromiumPath, `TOWN_REQUIRE_BROWSER=1 but no Chromium was found.\n${CHROMIUM_MISSING}`);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${dev.url}/`);
      await page.getByLabel('Town').fill(townId);
      await page.getByLabel('Token').fill(DEV_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const row = page.getByRole('region', { name: 'Rigs' }).getByRole('row', { name: /Town Container/ });
      await row.getByText('healthy', { exact: true }).waitFor();
      assert.match((await row.textContent()) ?? '', /\d+ ms/);
      mkdirSync(OUTPUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUTPUT_DIR, 'rigs-with-container.png') });
    } finally {
      await browser.close();
    }
  });
});
