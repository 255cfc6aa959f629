import { useState } from 'preact/hooks';
import { type ConvoySummary, describeError, type RigProgress } from './api';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface ConvoyProgress {
  convoy: ConvoySummary;
  rigs: RigProgress[];
}

/** How the closed beads ended, in the bar's order. */
interface Outcomes {
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
  const pct = (n: number) => `${total === 0 ? 0 : (n / total) * 100}%`;
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
        <div class="progress-fill outcome-done" style={{ width: pct(outcomes.doneBeads) }} />
        <div class="progress-fill outcome-failed" style={{ width: pct(outcomes.failedBeads) }} />
        <div class="progress-fill outcome-skipped" style={{ width: pct(outcomes.skippedBeads) }} />
      </div>
      <p class="outcomes small" data-testid="convoy-outcomes">
        <span class="label-done">{outcomes.doneBeads} done</span> · <span class="label-failed">{outcomes.failedBeads} failed</span> ·{' '}
        <span class="label-skipped">{outcomes.skippedBeads} skipped</span> · {total - closed} open
      </p>
    </>
  );
}

export function ConvoyList({
  loaded,
  rigNames,
  empty = 'No active convoys.',
}: {
  loaded: Loaded<ConvoyProgress[]>;
  rigNames: Map<string, string>;
  empty?: string;
}) {
  return (
    <Show loaded={loaded}>
      {(convoys) =>
        convoys.length === 0 ? (
          <p class="muted">{empty}</p>
        ) : (
          <ul class="convoys">
            {convoys.map(({ convoy, rigs }) => (
              <li key={convoy.id} class="convoy" data-convoy-status={convoy.status}>
                <div class="convoy-head">
                  <a id={`convoy-title-${convoy.id}`} href={`#/convoys/${encodeURIComponent(convoy.id)}`}>
                    {convoy.title}
                  </a>
                  {convoy.status !== 'active' && <span class={`badge convoy-${convoy.status}`}>{convoy.status}</span>}
                  <span class="count">
                    {convoy.closedBeads}/{convoy.totalBeads}
                  </span>
                </div>
                <ProgressBar labelledBy={`convoy-title-${convoy.id}`} total={convoy.totalBeads} outcomes={convoy} />
                <PerRig rigs={rigs} rigNames={rigNames} />
                <p class="muted small">
                  Created <Time iso={convoy.createdAt} />
                  {convoy.createdBy ? ` by ${convoy.createdBy}` : ''}
                </p>
              </li>
            ))}
          </ul>
        )
      }
    </Show>
  );
}

/** Per-rig progress as text with a bar for the eye only (one progressbar per convoy keeps names unambiguous). */
export function PerRig({ rigs, rigNames }: { rigs: RigProgress[]; rigNames: Map<string, string> }) {
  return (
    <ul class="per-rig" aria-label="Progress per rig">
      {rigs.map((rig) => (
        <li key={rig.rigId}>
          <span class="rig-name">{rigNames.get(rig.rigId) ?? rig.rigId}</span>
          <span class="mini-bar" aria-hidden="true">
            <span class="outcome-done" style={{ width: `${rig.totalBeads ? (rig.doneBeads / rig.totalBeads) * 100 : 0}%` }} />
            <span class="outcome-failed" style={{ width: `${rig.totalBeads ? (rig.failedBeads / rig.totalBeads) * 100 : 0}%` }} />
            <span class="outcome-skipped" style={{ width: `${rig.totalBeads ? (rig.skippedBeads / rig.totalBeads) * 100 : 0}%` }} />
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

/** Failed convoys under Needs attention, each with Retry failed (a town token's; null hides the button). */
export function FailedConvoys({ convoys, retry }: { convoys: ConvoySummary[]; retry: ((convoy: ConvoySummary) => Promise<void>) | null }) {
  if (convoys.length === 0) return null;
  return (
    <ul class="escalations failed-convoys">
      {convoys.map((convoy) => (
        <FailedConvoy key={convoy.id} convoy={convoy} retry={retry} />
      ))}
    </ul>
  );
}

function FailedConvoy({ convoy, retry }: { convoy: ConvoySummary; retry: ((convoy: ConvoySummary) => Promise<void>) | null }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = `failed-convoy-${convoy.id}`;
  return (
    <li class="escalation" data-failed-convoy={convoy.id}>
      <div class="escalation-head">
        <span class="badge convoy-failed">failed convoy</span>
        <span class="muted small">
          <Time iso={convoy.failedAt} />
        </span>
      </div>
      <p id={titleId} class="escalation-message">
        <a href={`#/convoys/${encodeURIComponent(convoy.id)}`}>{convoy.title}</a>: {convoy.failedBeads} of {convoy.totalBeads} beads failed
      </p>
      {retry && (
        <div class="actions">
          <button
            type="button"
            disabled={busy}
            aria-describedby={titleId}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await retry(convoy);
              } catch (failure) {
                setError(describeError(failure));
              } finally {
                setBusy(false);
              }
            }}
          >
            Retry failed
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
