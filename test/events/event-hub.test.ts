import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it } from 'vitest';
import * as schema from '../../schema/town';
import type { TownContext } from '../../server/core/context';
import { appendEvent } from '../../server/core/event-log';
import type { TownEvent } from '../../server/core/event-shape';
import { MAX_EVENT_SUBSCRIBERS_PER_TOWN, SUBSCRIBER_BUFFER_EVENTS } from '../../server/events/stream';
import { TEST_HOOKS } from '../../server/town/test-hooks';
import type { TownDO } from '../../server/town/town-do';
import { api } from '../convoys/convoy-helpers';
import { newTownId, quietConsole, townStub } from '../helpers';

// The TownDO's hub, driven inside the real DO (its streams read locally, without the Worker between),
// where a subscriber that never reads can be made deterministically.

/** Reads NDJSON events from a hub stream until `n` arrived. */
async function readEvents(stream: ReadableStream<Uint8Array>, n: number): Promise<TownEvent[]> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const events: TownEvent[] = [];
  let buffered = '';
  while (events.length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) events.push(JSON.parse(line) as TownEvent);
  }
  reader.releaseLock();
  return events;
}

/** A TownContext over the live DO's database whose appends reach its hub, as the TownDO's own do. */
function hubContext(townId: string, hub: TownDO['eventHub'], storage: DurableObjectStorage): TownContext {
  return { db: drizzle(storage, { schema }), env, townId, now: () => new Date(), eventAppended: () => hub.eventAppended() };
}

async function claimedTown() {
  const townId = newTownId('hub');
  await api.rig.register.mutate({ townId, name: 'a' });
  return townId;
}

describe('the TownDO’s event hub', () => {
  it('drops a subscriber that stops reading once its buffer is full; the others get every event, the DO keeps serving', async () => {
    quietConsole('warn');
    const townId = await claimedTown();
    const total = SUBSCRIBER_BUFFER_EVENTS + 50;
    const result = await runInDurableObject(townStub(townId), async (instance: TownDO, state) => {
      const hub = instance[TEST_HOOKS]().eventHub;
      const ctx = hubContext(townId, hub, state.storage);
      const slow = hub.subscribe(ctx, {});
      const fast = readEvents(hub.subscribe(ctx, {}), total);
      for (let i = 0; i < total; i += 50) {
        ctx.db.transaction(() => {
          for (let j = i; j < i + 50; j++) appendEvent(ctx, { type: 'routing.changed', data: { j } });
        });
        await new Promise((resolve) => setTimeout(resolve, 0)); // the push runs; the fast reader drains
      }
      const slowRead = await slow
        .getReader()
        .read()
        .then(
          () => 'read',
          (error: unknown) => String(error),
        );
      return { fast: await fast, slowRead, size: hub.size };
    });
    expect(result.fast.map((e) => e.data.j)).toEqual(Array.from({ length: total }, (_, j) => j));
    expect(result.slowRead).toMatch(/fell too far behind; resume with lastEventId/);
    expect(result.size).toBe(1);
    expect((await api.rig.list.query({ townId })).length).toBe(1); // the DO answers as usual
  });

  it(`refuses subscriber ${MAX_EVENT_SUBSCRIBERS_PER_TOWN + 1} of a town with TOO_MANY_REQUESTS, and takes one again once one left`, async () => {
    const townId = await claimedTown();
    const outcome = await runInDurableObject(townStub(townId), async (instance: TownDO, state) => {
      const hub = instance[TEST_HOOKS]().eventHub;
      const ctx = hubContext(townId, hub, state.storage);
      const streams = Array.from({ length: MAX_EVENT_SUBSCRIBERS_PER_TOWN }, () => hub.subscribe(ctx, {}));
      const refused = (() => {
        try {
          hub.subscribe(ctx, {});
          return null;
        } catch (error) {
          return error as { code: string; message: string };
        }
      })();
      await streams[0]?.cancel();
      const again = hub.subscribe(ctx, {});
      const size = hub.size;
      await Promise.all([...streams.slice(1), again].map((s) => s.cancel()));
      return { refused: refused && { code: refused.code, message: refused.message }, size, after: hub.size };
    });
    expect(outcome.refused).toEqual({
      code: 'TOO_MANY_REQUESTS',
      message: `at most ${MAX_EVENT_SUBSCRIBERS_PER_TOWN} event streams per town`,
    });
    expect(outcome.size).toBe(MAX_EVENT_SUBSCRIBERS_PER_TOWN);
    expect(outcome.after).toBe(0);
  });
});
