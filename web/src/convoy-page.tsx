import type { RouterOutputs } from '@town/client';
import { useState } from 'preact/hooks';
import type { TownClient, TownEvent } from './api';
import { BeadsTable } from './beads-table';
import { type TownBus, useTownSignals } from './bus';
import { DueLine } from './convoy-due';
import { ConvoyGraph } from './convoy-graph';
import { PerRig, ProgressBar } from './convoys';
import { EventFeed, type Names } from './events';
import { useLoad } from './load';
import { PauseSwitch } from './pause-switch';
import { Section, Show, Time } from './sections';
import { canHandleEscalations, type Session } from './session';
import { SpendBar } from './spend-bar';
import { type ClosePoint, TimelineChart } from './timeline-chart';

const HISTORY_PAGE = 200;
const BEADS_PAGE = 50;
/** Pages of the convoy's story read (bounded: a huge convoy shows its first part). */
const HISTORY_MAX_PAGES = 10;

type Figures = RouterOutputs['convoy']['timeline']['figures'];

interface History {
  events: TownEvent[];
  figures: Figures;
  /** The story does not start at `convoy.created` (pruned by retention, or older than the log). */
  truncated: boolean;
  complete: boolean;
}

/** The convoy's story from `convoy.timeline`, oldest first, a bounded number of pages. */
async function convoyHistory(client: TownClient, townId: string, convoyId: string): Promise<History> {
  const events: TownEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    const timeline = await client.convoy.timeline.query({ townId, convoyId, cursor, limit: HISTORY_PAGE });
    events.push(...timeline.items);
    const done = !timeline.nextCursor;
    if (done || page + 1 === HISTORY_MAX_PAGES) return { events, figures: timeline.figures, truncated: timeline.truncated, complete: done };
    cursor = timeline.nextCursor ?? undefined;
  }
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

function FiguresLine({ figures }: { figures: Figures }) {
  const { timeToLandMs, closeTimes } = figures;
  return (
    <p class="muted small" data-testid="timeline-figures">
      Time to land {duration(timeToLandMs)} · from creation to a close: p50 {duration(closeTimes.p50Ms)}, p90 {duration(closeTimes.p90Ms)} (
      {closeTimes.timed} closes, ±{Math.round(closeTimes.relativeAccuracy * 100)} %)
    </p>
  );
}

function closePoints(events: TownEvent[]): ClosePoint[] {
  return events.flatMap((e) => {
    const closed = (e.data as { closedBeads?: unknown }).closedBeads;
    return e.type === 'convoy.bead_closed' && typeof closed === 'number' ? [{ at: e.at, closed }] : [];
  });
}

/** One convoy: its due date, forecast and watchers, its progress (overall and per rig, with outcomes), its closes over time, its beads and its history. */
export function ConvoyPage({
  client,
  session,
  bus,
  convoyId,
  names,
}: {
  client: TownClient;
  session: Session;
  bus: TownBus;
  convoyId: string;
  names: Names;
}) {
  const { townId } = session;
  const convoy = useLoad(() => client.convoy.get.query({ townId, convoyId }), [client, townId, convoyId]);
  const history = useLoad(() => convoyHistory(client, townId, convoyId), [client, townId, convoyId]);
  // Bumped when the beads may have changed: the table re-reads the page it shows.
  const [beadsVersion, setBeadsVersion] = useState(0);
  useTownSignals(bus, (signal) => {
    if (signal.kind === 'event' && signal.event.convoyId !== convoyId) return;
    convoy.reload();
    history.reload();
    setBeadsVersion((v) => v + 1);
  });
  const mayPause = canHandleEscalations(session.role);
  const pause = mayPause
    ? async (reason: string) => {
        await client.convoy.pause.mutate({ townId, convoyId, reason });
        convoy.reload();
      }
    : null;
  const resume = mayPause
    ? async () => {
        await client.convoy.resume.mutate({ townId, convoyId });
        convoy.reload();
      }
    : null;
  return (
    <div class="convoy-page">
      <p>
        <a href="#/">← Town</a>
      </p>
      <Show loaded={convoy.loaded}>
        {(c) => (
          <>
            <h2 id="convoy-page-title">{c.title}</h2>
            <p class="muted">
              {c.status} · {c.closedBeads}/{c.totalBeads} beads closed · created <Time iso={c.createdAt} />
              {c.landedAt && (
                <>
                  {' '}
                  · landed <Time iso={c.landedAt} />
                </>
              )}
              {c.failedAt && (
                <>
                  {' '}
                  · failed <Time iso={c.failedAt} />
                </>
              )}
            </p>
            <DueLine convoy={c} />
            <PauseSwitch what={c.title} state={c} pause={c.status === 'active' ? pause : null} resume={resume} />
            <SpendBar label="Spent" spent={c.spent} budget={c.budget} testId="convoy-spend" />
            <ProgressBar labelledBy="convoy-page-title" total={c.totalBeads} outcomes={c} />
            <PerRig rigs={c.rigs} rigNames={names.rigs} />
            <Section id="graph" title="Dependencies">
              <ConvoyGraph client={client} townId={townId} convoyId={convoyId} version={beadsVersion} rigNames={names.rigs} />
            </Section>
            <div class="town-grid">
              <Section id="timeline" title="Closes over time">
                <Show loaded={history.loaded}>
                  {(h) => (
                    <>
                      <TimelineChart
                        startedAt={c.createdAt}
                        endedAt={c.landedAt ?? h.events.at(-1)?.at ?? c.createdAt}
                        total={c.totalBeads}
                        points={closePoints(h.events)}
                      />
                      <FiguresLine figures={h.figures} />
                      {h.truncated && <p class="muted small">Its oldest events are no longer kept.</p>}
                      {!h.complete && <p class="muted small">The first {h.events.length} events of this convoy are shown.</p>}
                    </>
                  )}
                </Show>
              </Section>
              <Section id="history" title="History">
                <Show loaded={history.loaded}>
                  {(h) => <EventFeed events={[...h.events].reverse()} names={names} empty="No events for this convoy." />}
                </Show>
              </Section>
            </div>
            <Section id="beads" title="Beads">
              <BeadsTable
                loadPage={(cursor) => client.convoy.beads.query({ townId, convoyId, cursor, limit: BEADS_PAGE })}
                rigNames={names.rigs}
                version={beadsVersion}
              />
            </Section>
          </>
        )}
      </Show>
    </div>
  );
}
