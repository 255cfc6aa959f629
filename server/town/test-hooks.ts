import type { EventHub } from '../events/stream';
import type { WatchdogOptions } from '../watchdog/watchdog';

// What tests reach inside a live TownDO (through runInDurableObject), declared in this one place: the
// class keeps these parts private and hands them out only through `instance[TEST_HOOKS]()`. A symbol
// key is not an RPC method, so no caller of the DO can reach them.

export const TEST_HOOKS = Symbol('town test hooks');

export interface TownTestHooks {
  /** The live event subscribers of this instance. */
  readonly eventHub: EventHub;
  /** How many outbox rows this instance is delivering right now. */
  deliveriesInFlight(): number;
  /** Replaces the watchdog's timeouts and thresholds for this instance. */
  tuneWatchdog(options: WatchdogOptions): void;
}
