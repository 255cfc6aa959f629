import { useMemo } from 'preact/hooks';
import type { Escalation, TownClient, TownEvent } from './api';
import { ConvoyList } from './convoys';
import { EscalationList } from './escalations';
import { EventFeed } from './events';
import { RigsTable } from './rigs';
import { Section } from './sections';
import { canHandleEscalations, type Session } from './session';
import { namesOf, rigNamesOf, type TownData } from './town-data';

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
  return (
    <div class="town-grid">
      {session.role !== 'rig' && (
        <Section id="escalations" title="Needs attention">
          <EscalationList loaded={data.escalations.loaded} rigNames={rigNames} actions={{ acknowledge, resolve }} />
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
      <Section id="events" title="Recent events">
        <EventFeed events={recentEvents} names={namesOf(data)} empty="No events since this page opened." />
      </Section>
    </div>
  );
}
