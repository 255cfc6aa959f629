import { useMemo, useState } from 'preact/hooks';
import type { ConvoySummary, Escalation, Rig, TownClient, TownEvent } from './api';
import { ConvoyList } from './convoys';
import { EscalationList } from './escalations';
import { EventFeed } from './events';
import { Expander } from './expander';
import { normalizeQuery } from './filter';
import { RigsTable } from './rigs';
import { Section } from './sections';
import { canHandleEscalations, type Session } from './session';
import { FailedConvoys, SettledConvoys } from './settled-convoys';
import { type Figure, type Severity, SummaryStrip, townFigures } from './summary';
import { namesOf, rigNamesOf, type TownData } from './town-data';

/** Recent events listed on the town page before "Show all N events". */
const EVENTS_LISTED = 10;

/**
 * The town at a glance: a summary strip of figures, then what needs attention (failed convoys, then
 * escalations grouped by severity), active convoys (the least advanced first) and the recently settled
 * ones, rigs (the unhealthy ones first) with their breakers, and recent events, each bounded, with a
 * Filter that narrows the lists as it is typed.
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
  const failedConvoys = settled.state === 'ok' && severity === null ? settled.value.failed.items : [];
  // A figure links to its section (the browser scrolls there) and shows it filtered its way.
  const follow = ({ focus, section }: Figure) => {
    if (focus.kind === 'severity') setSeverity(focus.severity);
    if (focus.kind === 'section' && section === 'escalations') setSeverity(null);
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
            <FailedConvoys convoys={failedConvoys} retry={retryFailed} query={query} />
            <EscalationList
              empty={failedConvoys.length > 0 ? 'No escalation needs attention.' : undefined}
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
          <h3 class="subhead">Recently settled</h3>
          {settled.state === 'ok' && <SettledConvoys convoys={settled.value.recent} query={query} />}
        </Section>
        <div class="stack">
          {session.role !== 'rig' && (
            <Section id="rigs" title="Rigs">
              <RigsTable
                loaded={data.rigs.loaded}
                query={query}
                expanded={rigsExpanded}
                onToggle={() => setRigsExpanded(!rigsExpanded)}
                resetBreaker={resetBreaker}
              />
            </Section>
          )}
          <Section id="events" title="Recent events">
            <EventFeed
              events={eventsExpanded ? recentEvents : recentEvents.slice(0, EVENTS_LISTED)}
              names={namesOf(data)}
              empty="No events yet."
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
