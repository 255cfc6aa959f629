import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { expect, it, vi } from 'vitest';
import { createTownClient } from '../client/index';
import { TEST_HOOKS } from '../server/town/test-hooks';
import type { TownDO } from '../server/town/town-do';
import { fmt, median, percentile, report } from './report';
import { quietLogs, townStub } from './town';

// Scenario 9: from a state change's commit to a connected subscriber receiving its event, over real
// Server-Sent Events through the Worker (typed client → Worker → TownDO stream), with 1 and with 100
// subscribers on one town. Latency per subscriber and event = the time it heard the event minus the
// event's `at` (taken inside the committing transaction). The Workers clock moves in whole ms, on I/O.

const SCENARIO = '9. event stream: commit → subscriber';
const EVENTS = 60;
const WARMUP_EVENTS = 5;
const SUBSCRIBER_COUNTS = [1, 100] as const;

const api = createTownClient({
  url: 'http://town.bench',
  token: 'dev-token',
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

async function measure(subscribers: number) {
  const townId = `bench-stream-${subscribers}-${crypto.randomUUID().slice(0, 8)}`;
  await api.rig.register.mutate({ townId, name: 'a' });
  const heard = new Map<string, number[]>(); // event id → latency (ms) per subscriber that heard it
  // Resolved when every subscriber has heard the event (a callback, not a polling loop, which would
  // compete for the CPU with what it measures).
  let heardByAll: (latencies: number[]) => void = () => {};
  const subs = Array.from({ length: subscribers }, () =>
    api.event.subscribe.subscribe(
      { townId },
      {
        onData: ({ data: event }) => {
          const latencies = heard.get(event.id) ?? [];
          latencies.push(Date.now() - Date.parse(event.at));
          heard.set(event.id, latencies);
          if (latencies.length === subscribers) heardByAll(latencies);
        },
      },
    ),
  );
  const size = () => runInDurableObject(townStub(townId), (instance: TownDO) => instance[TEST_HOOKS]().eventHub.size);
  await vi.waitFor(async () => expect(await size()).toBe(subscribers), { timeout: 60_000, interval: 50 });

  const latencies: number[] = [];
  const roundTrips: number[] = [];
  for (let k = 0; k < WARMUP_EVENTS + EVENTS; k++) {
    // Every subscriber hears this event before the next one is made, so each is timed alone.
    const all = new Promise<number[]>((resolve) => {
      heardByAll = resolve;
    });
    const started = Date.now();
    await api.escalation.setRouting.mutate({ townId, staleAfterMinutes: 100 + k });
    roundTrips.push(Date.now() - started);
    const eventLatencies = await all;
    if (k >= WARMUP_EVENTS) latencies.push(...eventLatencies);
  }
  for (const sub of subs) sub.unsubscribe();
  return { latencies, roundTrip: median(roundTrips.slice(WARMUP_EVENTS)) };
}

it(SCENARIO, async () => {
  quietLogs();
  const rows = [];
  for (const n of SUBSCRIBER_COUNTS) {
    const { latencies, roundTrip } = await measure(n);
    if (latencies.length !== n * EVENTS) throw new Error(`expected ${n * EVENTS} deliveries, timed ${latencies.length}`);
    const label = `${n} subscriber${n === 1 ? '' : 's'}`;
    rows.push(
      {
        scenario: SCENARIO,
        measure: `${label}: median commit → subscriber (ms)`,
        value: fmt(median(latencies), 1),
        note: `${EVENTS} events × ${n}`,
      },
      { scenario: SCENARIO, measure: `${label}: p99 commit → subscriber (ms)`, value: fmt(percentile(latencies, 99), 1) },
      {
        scenario: SCENARIO,
        measure: `${label}: the mutation's own round trip, median (ms)`,
        value: fmt(roundTrip, 1),
        note: 'for information: escalation.setRouting through the Worker, in the same run',
      },
    );
  }
  await report(rows);
});
