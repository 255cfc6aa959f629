import { afterEach, describe, expect, it, vi } from 'vitest';
import { allEvents } from '../helpers';
import { newFlowTown, registrations, runFlow, shapeOf } from './event-flow';
import { subscribe } from './stream-helpers';

afterEach(() => vi.restoreAllMocks());

describe('event.subscribe (SSE through the Worker)', () => {
  it('a live subscriber hears the flow’s exact sequence, pushed as it commits', async () => {
    const town = await newFlowTown();
    const [, second] = await allEvents({ townId: town.townId });
    const live = subscribe({ townId: town.townId, lastEventId: second?.id });
    const expected = await runFlow(town);
    const heard = await live.waitFor(expected.length);
    expect(shapeOf(heard, expected)).toEqual(expected);
    expect(heard).toEqual((await allEvents({ townId: town.townId })).slice(2));
    expect(live.errors).toEqual([]);
    live.stop();
  });

  it('replays from lastEventId, in order, once each, then goes on live', async () => {
    const town = await newFlowTown();
    const expected = [...registrations(town), ...(await runFlow(town))];
    const log = await allEvents({ townId: town.townId });
    const resumed = subscribe({ townId: town.townId, lastEventId: log[4]?.id });
    await resumed.waitFor(log.length - 5);
    expect(resumed.events).toEqual(log.slice(5));
    expect(shapeOf(resumed.events, expected.slice(5))).toEqual(expected.slice(5));
    resumed.stop();
  });
});
