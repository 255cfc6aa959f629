import { useMemo, useState } from 'preact/hooks';
import type { Escalation, TownClient, TownEvent } from './api';
import { ConvoyList } from './convoys';
import { EscalationList } from './escalations';
import { EventFeed } from './events';
import { Expander } from './expander';
import { normalizeQuery } from './filter';
import { RigsTable } from './rigs';
import { Section } from './sections';
import { canHandleEscalations, type Session } from './session';
import { type Figure, type Severity, SummaryStrip, townFigures } from './summary';
import { namesOf, rigNamesOf, type TownData } from './town-data';

/** Recent events listed on the town page before "Show all N events". */
const EVENTS_LISTED = 10;

/**
 * The town at a glance: a summary strip of figures, then what needs attention (grouped by severity),
 * active convoys (the least advanced first), rigs (the unhealthy ones first) and recent events, each
 * bounded, with a Filter that narrows the lists as it is typed.
 */
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
  const [filter, setFilter] = useState('');
  const query = normalizeQuery(filter);
  const [severity, setSeverity] = useState<Severity | null>(null);
  const [rigsExpanded, setRigsExpanded] = useState(false);
  const [convoysExpanded, setConvoysExpanded] = useState(false);
  const [eventsExpanded, setEventsExpanded] = useState(false);
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
  // A figure links to its section (the browser scrolls there) and shows it filtered its way.
  const follow = ({ focus }: Figure) => {
    if (focus.kind === 'severity') setSeverity(focus.severity);
    if (focus.kind === 'healthy-rigs') setRigsExpanded(true);
  };
  return (
    <>
      <SummaryStrip figures={townFigures(data)} onFollow={follow} />
      <div class="filter">
        <label for="town-filter">Filter</label>
        <input
          id="town-filter"
          type="search"
          placeholder="rig, convoy, message or id"
          autoComplete="off"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </div>
      <div class="town-grid">
        {session.role !== 'rig' && (
          <Section
            id="escalations"
            title="Needs attention"
            actions={
              severity && (
                <button type="button" class="small-button" onClick={() => setSeverity(null)}>
                  Only {severity}: show every severity
                </button>
              )
            }
          >
            <EscalationList
              loaded={data.escalations.loaded}
              rigNames={rigNames}
              actions={{ acknowledge, resolve }}
              query={query}
              severity={severity}
            />
          </Section>
        )}
        <Section id="convoys" title="Active convoys">
          <ConvoyList
            loaded={data.convoys.loaded}
            rigNames={rigNames}
            query={query}
            expanded={convoysExpanded}
            onToggle={() => setConvoysExpanded(!convoysExpanded)}
          />
        </Section>
        <div class="stack">
          {session.role !== 'rig' && (
            <Section id="rigs" title="Rigs">
              <RigsTable loaded={data.rigs.loaded} query={query} expanded={rigsExpanded} onToggle={() => setRigsExpanded(!rigsExpanded)} />
            </Section>
          )}
          <Section id="events" title="Recent events">
            <EventFeed
              events={eventsExpanded ? recentEvents : recentEvents.slice(0, EVENTS_LISTED)}
              names={namesOf(data)}
              empty="No events since this page opened."
            />
            {recentEvents.length > EVENTS_LISTED && (
              <p class="collapsed-line">
                <Expander
                  expanded={eventsExpanded}
                  onToggle={() => setEventsExpanded(!eventsExpanded)}
                  collapsedLabel={`Show all ${recentEvents.length} events`}
                  expandedLabel="Show fewer events"
                />
              </p>
            )}
          </Section>
        </div>
      </div>
    </>
  );
}
