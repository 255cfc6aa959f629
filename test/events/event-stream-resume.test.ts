import { abortAllDurableObjects, evictDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../convoys/convoy-helpers';
import { allEvents, townStub } from '../helpers';
import { newFlowTown, runFlow } from './event-flow';
import { subscribe, untilHubSize } from './stream-helpers';

afterEach(() => vi.restoreAllMocks());

describe('event.subscribe: resuming', () => {
  it('a subscriber that disconnects mid-flow and reconnects with its last id gets each missed event once', async () => {
    const town = await newFlowTown();
    const [, registered] = await allEvents({ townId: town.townId });
    let first = subscribe({ townId: town.townId, lastEventId: registered?.id });
    const heard: string[] = [];
    await runFlow(town, async (phase) => {
      if (phase !== 'convoy') return;
      // Disconnect after the convoy's events, and miss the escalation's and the watchdog's.
      await first.waitFor(1);
      first.stop();
      heard.push(...first.events.map((e) => e.id));
      first = subscribe({ townId: town.townId, lastEventId: heard.at(-1) });
    });
    const log = (await allEvents({ townId: town.townId })).slice(2);
    await first.waitFor(log.length - heard.length);
    const all = [...heard, ...first.events.map((e) => e.id)];
    expect(all).toEqual(log.map((e) => e.id));
    first.stop();
  });

  it('resumes across an eviction of the TownDO: the new instance replays the gap from the log', async () => {
    const town = await newFlowTown();
    const [, registered] = await allEvents({ townId: town.townId });
    let live = subscribe({ townId: town.townId, lastEventId: registered?.id });
    const heard: string[] = [];
    await runFlow(town, async (phase) => {
      if (phase !== 'escalation') return;
      await live.waitFor(1);
      live.stop();
      heard.push(...live.events.map((e) => e.id));
      // An open stream keeps its DO in memory (eviction waits for it). A client that left is noticed at
      // the next write to its stream (an event here; else the 10 s ping), then the DO can be evicted.
      await api.escalation.setRouting.mutate({ townId: town.townId, maxReEscalations: 2 });
      await untilHubSize(town.townId, 0);
      await evictDurableObject(townStub(town.townId));
      live = subscribe({ townId: town.townId, lastEventId: heard.at(-1) });
    });
    const log = (await allEvents({ townId: town.townId })).slice(2);
    await live.waitFor(log.length - heard.length);
    expect([...heard, ...live.events.map((e) => e.id)]).toEqual(log.map((e) => e.id));
    live.stop();
  });

  it('keeps listening across restarts of the TownDO mid-stream: the client reconnects by itself and misses nothing', async () => {
    const town = await newFlowTown();
    const [, registered] = await allEvents({ townId: town.townId });
    const live = subscribe({ townId: town.townId, lastEventId: registered?.id });
    await runFlow(town, async (phase) => {
      await live.waitFor(1);
      // Mid-flow the Durable Objects restart (a deploy, a crash): the stream ends, the Worker answers a
      // retryable error, the client's EventSource reconnects with Last-Event-ID, and the new instance
      // replays the gap from the log.
      if (phase !== 'watchdog') await abortAllDurableObjects();
    });
    const log = (await allEvents({ townId: town.townId })).slice(2);
    await live.waitFor(log.length);
    expect(live.events.map((e) => e.id)).toEqual(log.map((e) => e.id));
    expect(live.connections()).toBeGreaterThanOrEqual(2);
    expect(live.errors).toEqual([]);
    live.stop();
  }, 30_000); // two reconnects, each after the stream's 1 s retry delay
});
