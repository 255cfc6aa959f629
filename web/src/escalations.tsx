import { useState } from 'preact/hooks';
import type { Escalation } from './api';
import { type EscalationActions, EscalationItem } from './escalation-item';
import { matchesQuery } from './filter';
import type { Capped, Loaded } from './load';
import { Show } from './sections';
import { SEVERITIES_URGENT_FIRST, type Severity } from './summary';

export type { EscalationActions };

/** Escalations listed before "Show more" (and how many more each press shows). */
export const ESCALATIONS_LISTED = 20;

/** Needs attention's order in a severity group: by age, the longest waiting first. */
export function byAge(a: Escalation, b: Escalation): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/**
 * Escalations needing attention, grouped by severity (critical first); in a group, by age (the longest
 * waiting first, open and acknowledged alike). At most ESCALATIONS_LISTED in all until "Show more"; each
 * group's heading counts all of its escalations, listed or not. The filter matches the message, id,
 * category and rig (name or id); `severity` keeps one group only (a figure of the summary strip).
 */
export function EscalationList({
  loaded,
  rigNames,
  actions,
  query,
  severity,
  empty = 'Nothing needs attention.',
}: {
  loaded: Loaded<Capped<Escalation> | null>;
  rigNames: Map<string, string>;
  actions: EscalationActions;
  query: string;
  severity: Severity | null;
  /** Said when no escalation is open or acknowledged. */
  empty?: string | undefined;
}) {
  const [listed, setListed] = useState(ESCALATIONS_LISTED);
  return (
    <Show loaded={loaded}>
      {({ items }) => {
        if (items.length === 0) return <p class="muted">{empty}</p>;
        const matching = items.filter(
          (e) =>
            (severity === null || e.severity === severity) &&
            matchesQuery(query, e.message, e.id, e.category, e.sourceRigId, rigNames.get(e.sourceRigId)),
        );
        if (matching.length === 0) return <p class="muted">No escalation matches the filter.</p>;
        let budget = listed;
        const groups = SEVERITIES_URGENT_FIRST.flatMap((level) => {
          const all = matching.filter((e) => e.severity === level).sort(byAge);
          if (all.length === 0) return [];
          const shown = all.slice(0, Math.max(budget, 0));
          budget -= shown.length;
          return [{ level, all, shown }];
        });
        const shownCount = listed - Math.max(budget, 0);
        return (
          <>
            {groups.map(({ level, all, shown }) => (
              <section key={level} class="severity-group">
                <h3>
                  <span class={`severity-${level}`}>{level}</span> <span class="count">{all.length}</span>
                </h3>
                {shown.length > 0 && (
                  <ul class="escalations">
                    {shown.map((escalation) => (
                      <EscalationItem
                        key={escalation.id}
                        escalation={escalation}
                        rigName={rigNames.get(escalation.sourceRigId)}
                        actions={actions}
                      />
                    ))}
                  </ul>
                )}
              </section>
            ))}
            {matching.length > ESCALATIONS_LISTED && (
              <p class="collapsed-line">
                <span class="muted small">
                  {shownCount} of {matching.length} shown
                </span>
                {shownCount < matching.length && (
                  <button type="button" class="small-button" onClick={() => setListed(listed + ESCALATIONS_LISTED)}>
                    Show more
                  </button>
                )}
                {listed > ESCALATIONS_LISTED && (
                  <button type="button" class="small-button" onClick={() => setListed(ESCALATIONS_LISTED)}>
                    Show fewer
                  </button>
                )}
              </p>
            )}
          </>
        );
      }}
    </Show>
  );
}
