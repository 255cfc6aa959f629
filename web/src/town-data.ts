import { useEffect } from 'preact/hooks';
import type { ConvoySummary, Escalation, TownClient } from './api';
import { type TownBus, touches, useTownSignals } from './bus';
import type { ConvoyProgress } from './convoys';
import type { Names } from './events';
import { type Capped, readPages, useLoad } from './load';
import type { RigsData } from './rigs';
import type { Session } from './session';
import { settledAt } from './settled-convoys';

// What the town page reads, and when it re-reads it (each event re-reads only what it made stale).

/** The API's largest page. */
const PAGE_SIZE = 200;
/** Failed convoys read for Needs attention (one page; the strip says "20+" when there are more). */
const FAILED_CONVOYS_READ = 20;
/** Recently settled convoys listed under the active ones (the newest of each of landed, failed, cancelled). */
const SETTLED_CONVOYS_LISTED = 5;
/** After a heartbeat is due, the time it takes to check every rig (its checks time out after 5 s). */
const HEARTBEAT_SETTLE_MS = 6_000;

export function useTownData(client: TownClient, session: Session, bus: TownBus) {
  const { townId } = session;
  // A rig token reads convoys and events only (tenancy): the page does not ask for the rest.
  const townWide = session.role !== 'rig';
  const rigs = useLoad<RigsData | null>(async () => {
    if (!townWide) return null;
    const [rigList, watchdog] = await Promise.all([client.rig.list.query({ townId }), client.watchdog.status.query({ townId })]);
    return { rigs: rigList, watchdog };
  }, [client, townId]);
  const convoys = useLoad<Capped<ConvoyProgress>>(async () => {
    // convoy.list's items carry their per-rig progress: no read per convoy.
    const active = await readPages((cursor) => client.convoy.list.query({ townId, status: 'active', limit: PAGE_SIZE, cursor }));
    return { items: active.items.map((convoy) => ({ convoy, rigs: convoy.rigs })), complete: active.complete };
  }, [client, townId]);
  // Every failed convoy waiting for a retry (one page), and the newest settled ones: one read per status.
  const settled = useLoad<{ failed: Capped<ConvoySummary>; recent: ConvoySummary[] }>(async () => {
    const read = (status: 'landed' | 'failed' | 'cancelled', limit: number) => client.convoy.list.query({ townId, status, limit });
    const [landed, failed, cancelled] = await Promise.all([
      read('landed', SETTLED_CONVOYS_LISTED),
      read('failed', FAILED_CONVOYS_READ),
      read('cancelled', SETTLED_CONVOYS_LISTED),
    ]);
    const recent = [...landed.items, ...failed.items, ...cancelled.items]
      .sort((a, b) => settledAt(b).localeCompare(settledAt(a)))
      .slice(0, SETTLED_CONVOYS_LISTED);
    return { failed: { items: failed.items, complete: failed.nextCursor === null }, recent };
  }, [client, townId]);
  const escalations = useLoad<Capped<Escalation> | null>(async () => {
    if (!townWide) return null;
    const read = (status: 'open' | 'acknowledged') =>
      readPages((cursor) => client.escalation.list.query({ townId, status, limit: PAGE_SIZE, cursor }));
    const [open, acknowledged] = await Promise.all([read('open'), read('acknowledged')]);
    return { items: [...open.items, ...acknowledged.items], complete: open.complete && acknowledged.complete };
  }, [client, townId]);
  // A heartbeat that changes no target's state writes no event, yet moves every "last check": re-read
  // the health once when the next heartbeat is due (one read per heartbeat, not a polling loop).
  const nextHeartbeatAt = rigs.loaded.state === 'ok' ? (rigs.loaded.value?.watchdog.nextHeartbeatAt ?? null) : null;
  useEffect(() => {
    if (!nextHeartbeatAt) return;
    const timer = setTimeout(rigs.reload, Math.max(Date.parse(nextHeartbeatAt) - Date.now(), 0) + HEARTBEAT_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [nextHeartbeatAt]);
  // Each event re-reads what it made stale (coalesced: a burst costs at most two reads per part).
  useTownSignals(bus, (signal) => {
    const stale = signal.kind === 'event' ? touches(signal.event) : { rigs: true, convoys: true, escalations: true };
    if (stale.rigs) rigs.reload();
    if (stale.convoys) {
      convoys.reload();
      settled.reload();
    }
    if (stale.escalations) escalations.reload();
  });
  return { rigs, convoys, settled, escalations };
}

export type TownData = ReturnType<typeof useTownData>;

export function rigNamesOf(data: TownData): Map<string, string> {
  const loaded = data.rigs.loaded;
  return new Map(loaded.state === 'ok' && loaded.value ? loaded.value.rigs.map((rig) => [rig.id, rig.name]) : []);
}

/** Names of the rigs and convoys the page knows, so events can say "frontend" rather than an id. */
export function namesOf(data: TownData): Names {
  const convoys = data.convoys.loaded;
  const settled = data.settled.loaded;
  const known = [
    ...(convoys.state === 'ok' ? convoys.value.items.map(({ convoy }) => convoy) : []),
    ...(settled.state === 'ok' ? [...settled.value.failed.items, ...settled.value.recent] : []),
  ];
  return { rigs: rigNamesOf(data), convoys: new Map(known.map((convoy) => [convoy.id, convoy.title])) };
}
