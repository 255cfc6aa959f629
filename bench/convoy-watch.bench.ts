import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { asc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import type { TownContext } from '../server/core/context';
import { listEvents } from '../server/core/event-log';
import { TEST_HOOKS } from '../server/town/test-hooks';
import { fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 10: a consumer watches a 1,000-bead convoy for one (simulated) minute while all its beads
// close, and we count the SQLite rows each way of watching reads in the TownDO:
// - polling convoy.get every 5 s, old shape (every bead, as before issue 12) and new shape (summary + rigs);
// - reading the event log after a cursor every 5 s (event.list filtered by the convoy);
// - the live subscription (event.subscribe's stream from the TownDO's EventHub, subscribed before the
//   convoy was created): the hub reads each committed event once and pushes it; its reads are counted
//   by giving the live hub a counting database.
// Everything runs against the same convoy in the same run, so the ratios compare like with like.

const SCENARIO = '10. watching a 1,000-bead convoy for 1 min (polls vs events)';
const RIG_COUNT = 10;
const BEADS = 1_000;
const POLL_INTERVAL_S = 5;
const WATCH_S = 60;
const POLLS = WATCH_S / POLL_INTERVAL_S;
const EVENT_PAGE = 200;
const TARGET_ROWS_PER_EVENT = 3;

/** The old convoy.get (before issue 12): the convoy row and every bead, in order. */
function oldGetConvoy(ctx: TownContext, convoyId: string) {
  const convoy = ctx.db.select().from(schema.convoys).where(eq(schema.convoys.id, convoyId)).get();
  const beads = ctx.db
    .select({
      id: schema.convoyBeads.beadId,
      rigId: schema.convoyBeads.rigId,
      title: schema.convoyBeads.title,
      status: schema.convoyBeads.status,
    })
    .from(schema.convoyBeads)
    .where(eq(schema.convoyBeads.convoyId, convoyId))
    .orderBy(asc(schema.convoyBeads.position))
    .all();
  return { ...convoy, beads };
}

interface Tally {
  rowsRead: number;
  bytes: number;
  calls: number;
}
const tally = (): Tally => ({ rowsRead: 0, bytes: 0, calls: 0 });

/** From now on the TownDO's live hub reads through a counting database; the tally sums its rows read. */
async function countHubReads(townId: string) {
  const counted = { rowsRead: 0, flush: () => {} };
  await runInDurableObject(townStub(townId), (instance, state) => {
    const counter = countingStorage(state.storage);
    const db = drizzle(counter.storage, { schema });
    const hub = instance[TEST_HOOKS]().eventHub as unknown as { context: () => TownContext | null };
    const original = hub.context;
    // The hub asks for its context on each push and replay step: the counting one reads the same database.
    Object.defineProperty(hub, 'context', {
      value: () => {
        counted.rowsRead += counter.take().rowsRead;
        const ctx = original();
        return ctx ? { ...ctx, db } : null;
      },
    });
    counted.flush = () => {
      counted.rowsRead += counter.take().rowsRead;
    };
  });
  return counted;
}

/** Reads NDJSON events from a subscription stream until `done` says so; resolves with how many it read. */
async function readStream(stream: ReadableStream<Uint8Array>, done: (event: { type: string; convoyId: string | null }) => boolean) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let count = 0;
  for (;;) {
    const { value: chunk, done: ended } = await reader.read();
    if (ended) throw new Error(`the stream ended after ${count} events`);
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue; // a keep-alive
      count += 1;
      if (done(JSON.parse(line))) {
        await reader.cancel();
        return count;
      }
    }
  }
}

it(SCENARIO, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('watch', RIG_COUNT);
  const hub = await countHubReads(townId);
  const stream = value(await stub.subscribeEvents(townId, {}));
  let convoyId = '';
  const streamed = readStream(stream, (e) => e.type === 'convoy.landed' && e.convoyId === convoyId);
  const convoy = value(
    await stub.createConvoy(townId, {
      title: 'watched',
      beads: spreadBeads(
        rigs.map((r) => r.id),
        BEADS / RIG_COUNT,
      ),
    }),
  );
  convoyId = convoy.id;
  const measure = <T>(t: Tally, fn: (ctx: TownContext) => T) =>
    runInDurableObject(townStub(townId), (_instance, state) => {
      const counter = countingStorage(state.storage);
      const result = fn({ db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date() });
      t.rowsRead += counter.take().rowsRead;
      t.bytes += JSON.stringify(result).length;
      t.calls += 1;
      return result;
    });

  const old = tally();
  const now = tally();
  const log = tally();
  let after: string | undefined;
  let eventsSeen = 0;
  // The event reader starts with no cursor: the convoy's first event is its creation.
  const closesPerPoll = Math.ceil(BEADS / POLLS);
  for (let poll = 0; poll < POLLS; poll++) {
    // Five seconds of closes, through the TownDO as rigs report them.
    for (const beadId of convoy.beadIds.slice(poll * closesPerPoll, (poll + 1) * closesPerPoll)) {
      value(await stub.onBeadClosed(townId, convoy.id, beadId));
    }
    await measure(old, (ctx) => oldGetConvoy(ctx, convoy.id));
    await measure(now, (ctx) => convoys.getConvoy(ctx, convoy.id));
    // The event reader follows the log from its cursor until it is caught up.
    for (;;) {
      const page = await measure(log, (ctx) => listEvents(ctx, { convoyId: convoy.id, after, limit: EVENT_PAGE }));
      eventsSeen += page.items.length;
      after = page.nextCursor ?? page.items.at(-1)?.id ?? after;
      if (page.nextCursor === null) break;
    }
  }
  const pushed = await streamed;
  hub.flush();
  const final = value(await stub.getConvoy(townId, convoy.id));
  if (final.status !== 'landed') throw new Error(`the watched convoy did not land (${final.closedBeads}/${final.totalBeads})`);
  // created, one delivery per rig, 1,000 closes, landed
  if (eventsSeen !== 1 + RIG_COUNT + BEADS + 1) throw new Error(`the event reader saw ${eventsSeen} events`);

  const perEvent = log.rowsRead / eventsSeen;
  const perPushed = hub.rowsRead / pushed;
  await report([
    {
      scenario: SCENARIO,
      measure: `polling convoy.get every ${POLL_INTERVAL_S} s, old shape (every bead): rows read`,
      value: String(old.rowsRead),
      note: `${POLLS} polls, ${Math.round(old.rowsRead / POLLS)} rows and ${Math.round(old.bytes / POLLS / 1024)} KiB each: O(beads) per poll, before issue 12`,
    },
    {
      scenario: SCENARIO,
      measure: `polling convoy.get every ${POLL_INTERVAL_S} s, new shape (summary + rigs): rows read`,
      value: String(now.rowsRead),
      note: `${POLLS} polls, ${now.rowsRead / POLLS} row and ${Math.round(now.bytes / POLLS)} bytes each`,
    },
    {
      scenario: SCENARIO,
      measure: 'reading the event log after a cursor (event.list by convoy): rows read',
      value: String(log.rowsRead),
      note: `${eventsSeen} events in ${log.calls} pages of ≤ ${EVENT_PAGE}; ${Math.round(log.bytes / 1024)} KiB in all`,
    },
    {
      scenario: SCENARIO,
      measure: 'event log: rows read per event',
      value: fmt(perEvent),
      target: `≤ ${TARGET_ROWS_PER_EVENT} (O(events), not O(beads))`,
      met: perEvent <= TARGET_ROWS_PER_EVENT,
    },
    {
      scenario: SCENARIO,
      measure: 'live subscription (event.subscribe from the EventHub): rows read',
      value: String(hub.rowsRead),
      note: `${pushed} events pushed (the town's stream from before the create to the landing); the hub reads each commit once for all subscribers`,
    },
    {
      scenario: SCENARIO,
      measure: 'live subscription: rows read per event',
      value: fmt(perPushed),
      target: `≤ ${TARGET_ROWS_PER_EVENT} (O(events), not O(beads))`,
      met: perPushed <= TARGET_ROWS_PER_EVENT,
    },
    {
      scenario: SCENARIO,
      measure: 'ratio old-shape polling / new-shape polling (rows read)',
      value: `${fmt(old.rowsRead / now.rowsRead, 0)}×`,
      note: 'the new shape only says how far each rig is, not which bead closed',
    },
    {
      scenario: SCENARIO,
      measure: 'ratio old-shape polling / event log (rows read)',
      value: `${fmt(old.rowsRead / log.rowsRead, 1)}×`,
      note: 'the event log says which bead closed, when, on which rig: what the old shape was polled for',
    },
    {
      scenario: SCENARIO,
      measure: 'ratio old-shape polling / live subscription (rows read)',
      value: `${fmt(old.rowsRead / hub.rowsRead, 1)}×`,
      note: 'and the subscriber hears of each close as it commits, not up to 5 s later',
    },
  ]);
});
