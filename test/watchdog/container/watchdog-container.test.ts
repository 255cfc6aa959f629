import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../../schema/town';
import { client, newTownId, quietConsole, townStub, withTownDb } from '../../helpers';
import { escalationsOf, tuneWatchdog } from '../watchdog-helpers';

// In this project TOWN_CONTAINER is bound to test/watchdog/container/fake-town-container.js (vitest.config.ts):
// the watchdog reaches it exactly as it reaches the real TownContainer, `fetch('/health')` on its stub.

type Mode = 'healthy' | 'unhealthy' | 'platform-error' | 'unmarked-ok' | 'throw' | 'hang';
interface FakeTownContainer {
  setMode(mode: Mode): Promise<void>;
  requestedPaths(): Promise<string[]>;
}

const api = client();
const MAX_ROUND_TRIPS = 1_000;
const fake = (townId: string) => env.TOWN_CONTAINER.get(env.TOWN_CONTAINER.idFromName(townId)) as unknown as FakeTownContainer;
const containerIn = (report: { targets: { kind: string }[] }) => report.targets.find((t) => t.kind === 'container');

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('watchdog and the Town Container', () => {
  it('healthy: its own 2xx answer to GET /health, from this town’s container', async () => {
    const townId = newTownId('ct');
    await fake(townId).setMode('healthy');
    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(containerIn(report)).toMatchObject({ target: 'town-container', status: 'healthy', error: null, consecutiveFailures: 0 });
    expect(await fake(townId).requestedPaths()).toEqual(['/health']);
    expect(await fake(newTownId('other')).requestedPaths()).toEqual([]); // one container per town
  });

  it.each([
    ['unhealthy', /^container reported 503: .*EROFS/],
    ['platform-error', /^platform answered \(not the container\) 503: There is no Container instance/],
    ['unmarked-ok', /^platform answered \(not the container\) 200/],
    ['throw', /^container call failed: .*the container crashed/],
  ] as const)('%s: unhealthy, saying why', async (mode, error) => {
    const townId = newTownId('ct');
    await fake(townId).setMode(mode);
    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(containerIn(report)).toMatchObject({ status: 'unhealthy', error: expect.stringMatching(error), consecutiveFailures: 1 });
  });

  it('hang: unhealthy after its own timeout', async () => {
    const townId = newTownId('ct');
    await fake(townId).setMode('hang');
    await tuneWatchdog(townId, { containerTimeoutMs: 200 });
    // The timeout runs on a fake clock the test moves (inside the TownDO, whose promise it settles):
    // 199 ms leave the check waiting, the 200th ends it. No wall clock decides.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const heartbeat = api.watchdog.heartbeat.mutate({ townId }).finally(() => {
      settled = true;
    });
    const roundTrip = () => exports.default.fetch('http://town.test/health'); // lets the DO run
    for (let turn = 0; vi.getTimerCount() !== 1; turn++) {
      if (settled || turn === MAX_ROUND_TRIPS) throw new Error('the container check armed no timeout');
      await roundTrip();
    }
    const advance = (ms: number) => runInDurableObject(townStub(townId), () => vi.advanceTimersByTime(ms));
    await advance(199);
    for (let turn = 0; turn < 20; turn++) await roundTrip();
    expect(settled).toBe(false);
    await advance(1);
    for (let turn = 0; !settled; turn++) {
      if (turn === MAX_ROUND_TRIPS) throw new Error('the check still waits after its 200 ms timeout');
      await roundTrip();
    }
    const report = await heartbeat;
    vi.useRealTimers();
    expect(containerIn(report)).toMatchObject({ status: 'unhealthy', error: 'container /health timed out after 200 ms' });
  });

  it('a container outage escalates once, as critical, and its recovery is notified', async () => {
    const townId = newTownId('ct');
    await api.rig.register.mutate({ townId, name: 'alpha' });
    await fake(townId).setMode('unhealthy');
    for (let i = 0; i < 3; i += 1) await api.watchdog.heartbeat.mutate({ townId });
    const escalations = await escalationsOf(townId);
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({ sourceRigId: 'town-container', severity: 'critical', category: 'watchdog' });
    expect(escalations[0]?.message).toMatch(/^Town Container failed 2 consecutive health checks: container reported 503/);

    await fake(townId).setMode('healthy');
    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(containerIn(report)).toMatchObject({ status: 'healthy', transition: 'recovered' });
    const outbox = await withTownDb(townId, (db) => db.select().from(schema.outbox).all());
    const notified = outbox.filter((n) => n.type === 'watchdog.recovered');
    // No webhook is configured in this town, so the recovery goes to the Mayor only.
    expect(notified.map((n) => n.channel)).toEqual(['mayor']);
    expect(notified[0]?.payload.data).toMatchObject({ target: 'town-container', kind: 'container', escalationId: escalations[0]?.id });
  });
});
