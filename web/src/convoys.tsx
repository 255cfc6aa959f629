import { useState } from 'preact/hooks';
import type { ConvoySummary, RigProgress } from './api';
import { Expander } from './expander';
import { matchesQuery } from './filter';
import type { Capped, Loaded } from './load';
import { Show, Time } from './sections';

export interface ConvoyProgress {
  convoy: ConvoySummary;
  rigs: RigProgress[];
}

/** Convoys listed on the town page before "Show all N convoys". */
export const CONVOYS_LISTED = 10;
/** Per-rig bars of a convoy on the town page before "Show all N rigs" (its own page lists them all). */
export const RIG_BARS_LISTED = 5;

const share = (closed: number, total: number) => (total === 0 ? 1 : closed / total);

/** How a convoy's (or a rig's share's) closed beads ended, in the bar's order. */
export interface Outcomes {
  doneBeads: number;
  failedBeads: number;
  skippedBeads: number;
}

/**
 * A convoy's progress bar: its accessible name is the convoy's title (the element it is labelled by),
 * `aria-valuenow` its closed beads and `aria-valuemax` its total. Done, failed and skipped are segments
 * of distinct colours and, below, words with their counts (colour is never the only sign).
 */
export function ProgressBar({ labelledBy, total, outcomes }: { labelledBy: string; total: number; outcomes: Outcomes }) {
  const closed = outcomes.doneBeads + outcomes.failedBeads + outcomes.skippedBeads;
  return (
    <>
      <div
        class="progress"
        role="progressbar"
        aria-labelledby={labelledBy}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={closed}
        aria-valuetext={`${closed} of ${total} beads closed: ${outcomes.doneBeads} done, ${outcomes.failedBeads} failed, ${outcomes.skippedBeads} skipped`}
      >
        <OutcomeSegments total={total} outcomes={outcomes} class="progress-fill" />
      </div>
      <p class="outcomes small" data-testid="convoy-outcomes">
        <span class="label-done">{outcomes.doneBeads} done</span> · <span class="label-failed">{outcomes.failedBeads} failed</span> ·{' '}
        <span class="label-skipped">{outcomes.skippedBeads} skipped</span> · {total - closed} open
      </p>
    </>
  );
}

/** Done, failed and skipped as coloured segments of a bar (for the eye; the words are beside it). */
function OutcomeSegments({ total, outcomes, class: className }: { total: number; outcomes: Outcomes; class?: string }) {
  const pct = (n: number) => `${total === 0 ? 0 : (n / total) * 100}%`;
  return (
    <>
      <span class={`${className ?? ''} outcome-done`} style={{ width: pct(outcomes.doneBeads) }} />
      <span class={`${className ?? ''} outcome-failed`} style={{ width: pct(outcomes.failedBeads) }} />
      <span class={`${className ?? ''} outcome-skipped`} style={{ width: pct(outcomes.skippedBeads) }} />
    </>
  );
}

/**
 * Active convoys, the least advanced first, at most CONVOYS_LISTED until "Show all N convoys". The
 * filter keeps a convoy whose title or id matches, or one of whose rigs does (by name or id).
 */
export function ConvoyList({
  loaded,
  rigNames,
  query,
  expanded,
  onToggle,
}: {
  loaded: Loaded<Capped<ConvoyProgress>>;
  rigNames: Map<string, string>;
  query: string;
  expanded: boolean;
  onToggle: () => void;
}) {
  // Convoys whose per-rig bars are all shown (by id).
  const [allRigs, setAllRigs] = useState<ReadonlySet<string>>(new Set());
  const toggleRigs = (id: string) =>
    setAllRigs((ids) => {
      const next = new Set(ids);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const rigMatches = (rig: RigProgress) => matchesQuery(query, rigNames.get(rig.rigId), rig.rigId);
  return (
    <Show loaded={loaded}>
      {({ items, complete }) => {
        if (items.length === 0) return <p class="muted">No active convoys.</p>;
        const matching = items
          .filter(({ convoy, rigs }) => matchesQuery(query, convoy.title, convoy.id) || (query !== '' && rigs.some(rigMatches)))
          .sort(
            (a, b) =>
              share(a.convoy.closedBeads, a.convoy.totalBeads) - share(b.convoy.closedBeads, b.convoy.totalBeads) ||
              a.convoy.createdAt.localeCompare(b.convoy.createdAt),
          );
        const shown = expanded ? matching : matching.slice(0, CONVOYS_LISTED);
        return (
          <>
            {matching.length === 0 && <p class="muted">No active convoy matches the filter.</p>}
            <ul class="convoys" id="convoys-list">
              {shown.map(({ convoy, rigs }) => (
                <ConvoyItem
                  key={convoy.id}
                  convoy={convoy}
                  rigs={rigs}
                  first={query ? rigMatches : undefined}
                  rigNames={rigNames}
                  allRigs={allRigs.has(convoy.id)}
                  onToggleRigs={() => toggleRigs(convoy.id)}
                />
              ))}
            </ul>
            {matching.length > CONVOYS_LISTED && (
              <p class="collapsed-line">
                <span class="muted small">
                  {shown.length} of {matching.length}
                  {complete ? '' : '+'} shown
                </span>
                <Expander
                  expanded={expanded}
                  onToggle={onToggle}
                  collapsedLabel={`Show all ${matching.length} convoys`}
                  expandedLabel="Show fewer convoys"
                  controls="convoys-list"
                />
              </p>
            )}
          </>
        );
      }}
    </Show>
  );
}

function ConvoyItem({
  convoy,
  rigs,
  rigNames,
  first,
  allRigs,
  onToggleRigs,
}: {
  convoy: ConvoySummary;
  rigs: RigProgress[];
  first: ((rig: RigProgress) => boolean) | undefined;
  rigNames: Map<string, string>;
  allRigs: boolean;
  onToggleRigs: () => void;
}) {
  const titleId = `convoy-title-${convoy.id}`;
  return (
    <li class="convoy" data-convoy-id={convoy.id} data-convoy-status={convoy.status}>
      <div class="convoy-head">
        <a id={titleId} href={`#/convoys/${encodeURIComponent(convoy.id)}`}>
          {convoy.title}
        </a>
        {convoy.status !== 'active' && <span class={`badge convoy-${convoy.status}`}>{convoy.status}</span>}
        <span class="count">
          {convoy.closedBeads}/{convoy.totalBeads}
        </span>
      </div>
      <ProgressBar labelledBy={titleId} total={convoy.totalBeads} outcomes={convoy} />
      <PerRig rigs={rigs} rigNames={rigNames} first={first} limit={allRigs ? undefined : RIG_BARS_LISTED} id={`convoy-rigs-${convoy.id}`} />
      <div class="convoy-foot">
        <span class="muted small">
          Created <Time iso={convoy.createdAt} />
          {convoy.createdBy ? ` by ${convoy.createdBy}` : ''}
        </span>
        {rigs.length > RIG_BARS_LISTED && (
          <Expander
            expanded={allRigs}
            onToggle={onToggleRigs}
            collapsedLabel={`Show all ${rigs.length} rigs`}
            expandedLabel="Show fewer rigs"
            hiddenContext={`of ${convoy.title}`}
            controls={`convoy-rigs-${convoy.id}`}
          />
        )}
      </div>
    </li>
  );
}

/**
 * Per-rig progress as text with a bar for the eye only (one progressbar per convoy keeps names
 * unambiguous), the least advanced first; `limit` shows only the first ones; rigs for which `first`
 * holds (those the filter names) come before the others.
 */
export function PerRig({
  rigs,
  rigNames,
  first,
  limit,
  id,
}: {
  rigs: RigProgress[];
  rigNames: Map<string, string>;
  first?: ((rig: RigProgress) => boolean) | undefined;
  limit?: number | undefined;
  id?: string;
}) {
  const rank = (rig: RigProgress) => (first?.(rig) ? 0 : 1);
  const ordered = [...rigs].sort((a, b) => rank(a) - rank(b) || share(a.closedBeads, a.totalBeads) - share(b.closedBeads, b.totalBeads));
  return (
    <ul class="per-rig" aria-label="Progress per rig" id={id}>
      {ordered.slice(0, limit).map((rig) => (
        <li key={rig.rigId}>
          <span class="rig-name">{rigNames.get(rig.rigId) ?? rig.rigId}</span>
          <span class="mini-bar" aria-hidden="true">
            <OutcomeSegments total={rig.totalBeads} outcomes={rig} />
          </span>
          <span class="count">
            {rig.closedBeads}/{rig.totalBeads}
            {rig.failedBeads > 0 ? ` (${rig.failedBeads} failed)` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
