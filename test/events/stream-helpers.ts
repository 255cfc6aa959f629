import { runInDurableObject } from 'cloudflare:test';
import { expect, vi } from 'vitest';
import type { TownClient } from '../../client/index';
import type { TownEvent } from '../../server/core/event-shape';
import { TEST_HOOKS } from '../../server/town/test-hooks';
import type { TownDO } from '../../server/town/town-do';
import { client, townStub } from '../helpers';

type SubscribeInput = Parameters<TownClient['event']['subscribe']['subscribe']>[0];

/** A live `event.subscribe` through the typed client (real SSE through the Worker), collecting what it hears. */
export function subscribe(input: SubscribeInput, api: TownClient = client()) {
  const events: TownEvent[] = [];
  const errors: unknown[] = [];
  let connections = 0;
  const subscription = api.event.subscribe.subscribe(input, {
    onStarted: () => {
      connections += 1;
    },
    onData: (tracked) => {
      events.push(tracked.data);
    },
    onError: (error) => {
      errors.push(error);
    },
  });
  return {
    events,
    errors,
    connections: () => connections,
    /** Waits (on the condition, not a clock) until at least `n` events arrived. */
    async waitFor(n: number) {
      await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(n), { timeout: 20_000, interval: 20 });
      return events;
    },
    stop: () => subscription.unsubscribe(),
  };
}

/** How many live event streams the town's TownDO holds right now. */
export const hubSize = (townId: string) => runInDurableObject(townStub(townId), (instance: TownDO) => instance[TEST_HOOKS]().eventHub.size);

/** Waits (on the condition) until the TownDO holds exactly `n` streams. */
export async function untilHubSize(townId: string, n: number) {
  await vi.waitFor(async () => expect(await hubSize(townId)).toBe(n), { timeout: 20_000, interval: 50 });
}

/** Makes the TownDO's keep-alive writes frequent, so a test sees a departed consumer forgotten quickly. */
export const shortenKeepAlive = (townId: string, ms = 50) =>
  runInDurableObject(townStub(townId), (instance: TownDO) => {
    instance[TEST_HOOKS]().eventHub.keepAliveMs = ms;
  });
