import { useMemo } from 'preact/hooks';
import { type Escalation, rigProgress, type TownClient } from './api';
import { ConvoyList, type ConvoyProgress } from './convoys';
import { EscalationList } from './escalations';
import type { Names } from './events';
import { useLoad } from './load';
import { type RigsData, RigsTable } from './rigs';
import { Section } from './sections';
import { canHandleEscalations, type Session } from './session';

const ACTIVE_CONVOYS_SHOWN = 50;
const OPEN_ESCALATIONS_SHOWN = 100;
const ACKNOWLEDGED_ESCALATIONS_SHOWN = 50;

export function useTownData(client: TownClient, session: Session) {
  const { townId } = session;
  // A rig token reads convoys and events only (tenancy): the page does not ask for the rest.
  const townWide = session.role !== 'rig';
  const rigs = useLoad<RigsData | null>(async () => {
    if (!townWide) return null;
    const [rigList, watchdog] = await Promise.all([client.rig.list.query({ townId }), client.watchdog.status.query({ townId })]);
    return { rigs: rigList, watchdog };
  }, [client, townId]);
  const convoys = useLoad<ConvoyProgress[]>(async () => {
    const page = await client.convoy.list.query({ townId, status: 'active', limit: ACTIVE_CONVOYS_SHOWN });
    return Promise.all(
      page.items.map(async (summary) => {
        // A convoy whose own read fails still shows its summary, without per-rig progress.
        const convoy = await client.convoy.get.query({ townId, convoyId: summary.id }).catch(() => null);
        return convoy ? { convoy, rigs: rigProgress(convoy) } : { convoy: summary, rigs: null };
      }),
    );
  }, [client, townId]);
  const escalations = useLoad<Escalation[] | null>(async () => {
    if (!townWide) return null;
    const [open, acknowledged] = await Promise.all([
      client.escalation.list.query({ townId, acknowledged: false, limit: OPEN_ESCALATIONS_SHOWN }),
      client.escalation.list.query({ townId, acknowledged: true, limit: ACKNOWLEDGED_ESCALATIONS_SHOWN }),
    ]);
    return [...open.items, ...acknowledged.items];
  }, [client, townId]);
  return { rigs, convoys, escalations };
}

export type TownData = ReturnType<typeof useTownData>;

export function rigNamesOf(data: TownData): Map<string, string> {
  const loaded = data.rigs.loaded;
  return new Map(loaded.state === 'ok' && loaded.value ? loaded.value.rigs.map((rig) => [rig.id, rig.name]) : []);
}

/** Names of the rigs and convoys the page knows, so events can say "frontend" rather than an id. */
export function namesOf(data: TownData): Names {
  const convoys = data.convoys.loaded;
  return {
    rigs: rigNamesOf(data),
    convoys: new Map(convoys.state === 'ok' ? convoys.value.map(({ convoy }) => [convoy.id, convoy.title]) : []),
  };
}

/** The town at a glance: rigs and their health, active convoys, escalations needing attention. */
export function TownView({ client, session, data }: { client: TownClient; session: Session; data: TownData }) {
  const rigNames = useMemo(() => rigNamesOf(data), [data.rigs.loaded]);
  const acknowledge = canHandleEscalations(session.role)
    ? async (escalation: Escalation) => {
        await client.escalation.acknowledge.mutate({ townId: session.townId, escalationId: escalation.id, by: 'dashboard' });
        data.escalations.reload();
      }
    : null;
  return (
    <div class="town-grid">
      {session.role !== 'rig' && (
        <Section id="escalations" title="Needs attention">
          <EscalationList loaded={data.escalations.loaded} rigNames={rigNames} actions={{ acknowledge }} />
        </Section>
      )}
      <Section id="convoys" title="Active convoys">
        <ConvoyList loaded={data.convoys.loaded} rigNames={rigNames} />
      </Section>
      {session.role !== 'rig' && (
        <Section id="rigs" title="Rigs">
          <RigsTable loaded={data.rigs.loaded} />
        </Section>
      )}
    </div>
  );
}
