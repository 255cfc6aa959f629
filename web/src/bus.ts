import { useEffect, useRef } from 'preact/hooks';
import type { TownEvent } from './api';

/** What the stream tells the page: an event, or "re-read everything" (a fresh start, a lost cursor, Refresh). */
export type TownSignal = { kind: 'event'; event: TownEvent } | { kind: 'resync' };

/** One stream, many readers: each part of the page listens for the events that concern it. */
export class TownBus {
  private readonly listeners = new Set<(signal: TownSignal) => void>();

  on(listener: (signal: TownSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(signal: TownSignal): void {
    for (const listener of this.listeners) listener(signal);
  }
}

/** Calls `listener` for each signal while the component is mounted (always its latest version). */
export function useTownSignals(bus: TownBus, listener: (signal: TownSignal) => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => bus.on((signal) => latest.current(signal)), [bus]);
}

/** Which reads an event makes stale. */
export function touches(event: TownEvent): { rigs: boolean; convoys: boolean; escalations: boolean } {
  const family = event.type.split('.')[0];
  return {
    rigs: family === 'rig' || family === 'watchdog',
    convoys: family === 'convoy' || event.type === 'rig.removed',
    // A watchdog outage raises (and a recovery may close) an escalation.
    escalations: family === 'escalation' || family === 'watchdog',
  };
}
