import { useEffect, useMemo } from 'preact/hooks';
import type { ConvoySummary, Escalation, Rig, TownClient, TownEvent } from './api';
import { type TownBus, touches, useTownSignals } from './bus';
import { ConvoyList, type ConvoyProgress, FailedConvoys } from './convoys';
import { EscalationList } from './escalations';
import { EventFeed, type Names } from './events';
import { useLoad } from './load';
import { type RigsData, RigsTable } from './rigs';
import { Section } from './sections';
import { canHandleEscalations, type Session } from './session';

const ACTIVE_CONVOYS_SHOWN = 50;
/** Recently settled convoys (landed, failed, cancelled): among the newest convoys read for them. */
const RECENT_CONVOYS_READ = 30;
const SETTLED_CONVOYS_SHOWN = 10;
const FAILED_CONVOYS_SHOWN = 50;
const OPEN_ESCALATIONS_SHOWN = 100;
const ACKNOWLEDGED_ESCALATIONS_SHOWN = 50;
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
  const convoys = useLoad<ConvoyProgress[]>(async () => {
    // One read: convoy.list's items carry their per-rig progress.
    const page = await client.convoy.list.query({ townId, status: 'active', limit: ACTIVE_CONVOYS_SHOWN });
    return page.items.map((convoy) => ({ convoy, rigs: convoy.rigs }));
  }, [client, townId]);
  // The newest convoys that settled (landed, failed, cancelled), and every failed one waiting for a retry.
  const settled = useLoad<{ recent: ConvoyProgress[]; failed: ConvoySummary[] }>(async () => {
    const [recent, failed] = await Promise.all([
      client.convoy.list.query({ townId, limit: RECENT_CONVOYS_READ }),
      client.convoy.list.query({ townId, status: 'failed', limit: FAILED_CONVOYS_SHOWN }),
    ]);
    return {
      recent: recent.items
        .filter((c) => c.status !== 'active')
        .slice(0, SETTLED_CONVOYS_SHOWN)
        .map((convoy) => ({ convoy, rigs: convoy.rigs })),
      failed: failed.items,
    };
  }, [client, townId]);
  const escalations = useLoad<Escalation[] | null>(async () => {
    if (!townWide) return null;
    const [open, acknowledged] = await Promise.all([
      client.escalation.list.query({ townId, status: 'open', limit: OPEN_ESCALATIONS_SHOWN }),
      client.escalation.list.query({ townId, status: 'acknowledged', limit: ACKNOWLEDGED_ESCALATIONS_SHOWN }),
    ]);
    return [...open.items, ...acknowledged.items];
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
  return {
    rigs: rigNamesOf(data),
    convoys: new Map([
      ...(convoys.state === 'ok' ? convoys.value.map(({ convoy }) => [convoy.id, convoy.title] as const) : []),
      ...(settled.state === 'ok'
        ? [...settled.value.recent.map(({ convoy }) => convoy), ...settled.value.failed].map((c) => [c.id, c.title] as const)
        : []),
    ]),
  };
}

/** The town at a glance: rigs and their health, active convoys, escalations needing attention. */
export function TownView({
  client,
  session,
  data,
  recentEvents,
}: {
  client: TownClient;
  session: Session;
  data: TownData;
  recentEvents: TownEvent[];
}) {
  const rigNames = useMemo(() => rigNamesOf(data), [data.rigs.loaded]);
  const mayHandle = canHandleEscalations(session.role);
  const acknowledge = mayHandle
    ? async (escalation: Escalation) => {
        await client.escalation.acknowledge.mutate({ townId: session.townId, escalationId: escalation.id, by: 'dashboard' });
        data.escalations.reload();
      }
    : null;
  const resolve = mayHandle
    ? async (escalation: Escalation) => {
        await client.escalation.resolve.mutate({ townId: session.townId, escalationId: escalation.id, by: 'dashboard' });
        data.escalations.reload();
      }
    : null;
  const retryFailed = mayHandle
    ? async (convoy: ConvoySummary) => {
        await client.convoy.retryFailed.mutate({ townId: session.townId, convoyId: convoy.id });
        data.settled.reload();
        data.convoys.reload();
        data.escalations.reload();
      }
    : null;
  const resetBreaker = mayHandle
    ? async (rig: Rig) => {
        await client.rig.resetBreaker.mutate({ townId: session.townId, rigId: rig.id });
        data.rigs.reload();
        data.escalations.reload();
      }
    : null;
  const settled = data.settled.loaded;
  return (
    <div class="town-grid">
      {session.role !== 'rig' && (
        <Section id="escalations" title="Needs attention">
          {settled.state === 'ok' && <FailedConvoys convoys={settled.value.failed} retry={retryFailed} />}
          <EscalationList loaded={data.escalations.loaded} rigNames={rigNames} actions={{ acknowledge, resolve }} />
        </Section>
      )}
      <Section id="convoys" title="Active convoys">
        <ConvoyList loaded={data.convoys.loaded} rigNames={rigNames} />
        <h3 class="subhead">Recently settled</h3>
        <ConvoyList
          loaded={settled.state === 'ok' ? { state: 'ok', value: settled.value.recent } : settled}
          rigNames={rigNames}
          empty="No convoy has landed, failed or been cancelled yet."
        />
      </Section>
      {session.role !== 'rig' && (
        <Section id="rigs" title="Rigs">
          <RigsTable loaded={data.rigs.loaded} resetBreaker={resetBreaker} />
        </Section>
      )}
      <Section id="events" title="Recent events">
        <EventFeed events={recentEvents} names={namesOf(data)} empty="No events yet." />
      </Section>
    </div>
  );
}
