import { useState } from 'preact/hooks';
import { type ConvoySummary, describeError } from './api';
import { ProgressBar } from './convoys';
import { matchesQuery } from './filter';
import { Time } from './sections';

// The convoys that stopped: failed ones under Needs attention (with Retry failed), and the recently
// settled ones (landed, failed, cancelled) under the active ones.

/** When it settled, as far as its summary says (a cancelled convoy's last progress stands in for it). */
export function settledAt(convoy: ConvoySummary): string {
  return convoy.landedAt ?? convoy.failedAt ?? convoy.lastProgressAt ?? convoy.createdAt;
}

/** Recently settled convoys, the newest first: each its title, how it ended and its bar with the outcomes in words. */
export function SettledConvoys({ convoys, query }: { convoys: ConvoySummary[]; query: string }) {
  const matching = convoys.filter((c) => matchesQuery(query, c.title, c.id));
  if (convoys.length === 0) return <p class="muted">No convoy has landed, failed or been cancelled yet.</p>;
  if (matching.length === 0) return <p class="muted">No settled convoy matches the filter.</p>;
  return (
    <ul class="convoys settled-convoys">
      {matching.map((convoy) => {
        const titleId = `settled-title-${convoy.id}`;
        return (
          <li key={convoy.id} class="convoy" data-convoy-id={convoy.id} data-convoy-status={convoy.status}>
            <div class="convoy-head">
              <a id={titleId} href={`#/convoys/${encodeURIComponent(convoy.id)}`}>
                {convoy.title}
              </a>
              <span class={`badge convoy-${convoy.status}`}>{convoy.status}</span>
              <span class="muted small">
                <Time iso={settledAt(convoy)} />
              </span>
            </div>
            <ProgressBar labelledBy={titleId} total={convoy.totalBeads} outcomes={convoy} />
          </li>
        );
      })}
    </ul>
  );
}

type Retry = ((convoy: ConvoySummary) => Promise<void>) | null;

/** Failed convoys under Needs attention, each with Retry failed (a town or admin token's; null hides the button). */
export function FailedConvoys({ convoys, retry, query }: { convoys: ConvoySummary[]; retry: Retry; query: string }) {
  const matching = convoys.filter((c) => matchesQuery(query, c.title, c.id));
  if (matching.length === 0) return null;
  return (
    <section class="severity-group">
      <h3>
        <span class="convoy-failed">failed convoys</span> <span class="count">{matching.length}</span>
      </h3>
      <ul class="escalations failed-convoys">
        {matching.map((convoy) => (
          <FailedConvoy key={convoy.id} convoy={convoy} retry={retry} />
        ))}
      </ul>
    </section>
  );
}

function FailedConvoy({ convoy, retry }: { convoy: ConvoySummary; retry: Retry }) {
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
