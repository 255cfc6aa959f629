import type { ConvoySummary, RigProgress } from './api';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface ConvoyProgress {
  convoy: ConvoySummary;
  rigs: RigProgress[];
}

/**
 * A convoy's progress bar: its accessible name is the convoy's title (the element it is labelled by),
 * `aria-valuenow` its closed beads and `aria-valuemax` its total.
 */
export function ProgressBar({ labelledBy, closed, total }: { labelledBy: string; closed: number; total: number }) {
  const width = total === 0 ? 0 : (closed / total) * 100;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-labelledby={labelledBy}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={closed}
      aria-valuetext={`${closed} of ${total} beads closed`}
    >
      <div class="progress-fill" style={{ width: `${width}%` }} />
    </div>
  );
}

export function ConvoyList({ loaded, rigNames }: { loaded: Loaded<ConvoyProgress[]>; rigNames: Map<string, string> }) {
  return (
    <Show loaded={loaded}>
      {(convoys) =>
        convoys.length === 0 ? (
          <p class="muted">No active convoys.</p>
        ) : (
          <ul class="convoys">
            {convoys.map(({ convoy, rigs }) => (
              <li key={convoy.id} class="convoy">
                <div class="convoy-head">
                  <a id={`convoy-title-${convoy.id}`} href={`#/convoys/${encodeURIComponent(convoy.id)}`}>
                    {convoy.title}
                  </a>
                  <span class="count">
                    {convoy.closedBeads}/{convoy.totalBeads}
                  </span>
                </div>
                <ProgressBar labelledBy={`convoy-title-${convoy.id}`} closed={convoy.closedBeads} total={convoy.totalBeads} />
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
            <span style={{ width: `${rig.totalBeads ? (rig.closedBeads / rig.totalBeads) * 100 : 0}%` }} />
          </span>
          <span class="count">
            {rig.closedBeads}/{rig.totalBeads}
          </span>
        </li>
      ))}
    </ul>
  );
}
