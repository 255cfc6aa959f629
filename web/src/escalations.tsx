import { useState } from 'preact/hooks';
import { describeError, type Escalation } from './api';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface EscalationActions {
  /** Null when the token's role may not (a rig token): the buttons are not shown at all. */
  acknowledge: ((escalation: Escalation) => Promise<void>) | null;
  resolve: ((escalation: Escalation) => Promise<void>) | null;
}

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

/** Needs attention's order: by severity (critical first), then by age (the longest waiting first). */
export function byUrgency(a: Escalation, b: Escalation): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.createdAt.localeCompare(b.createdAt);
}

/** Escalations needing attention (open and acknowledged), by severity, then age (see `byUrgency`). */
export function EscalationList({
  loaded,
  rigNames,
  actions,
}: {
  loaded: Loaded<Escalation[] | null>;
  rigNames: Map<string, string>;
  actions: EscalationActions;
}) {
  return (
    <Show loaded={loaded}>
      {(escalations) =>
        escalations.length === 0 ? (
          <p class="muted">Nothing needs attention.</p>
        ) : (
          <ul class="escalations">
            {[...escalations].sort(byUrgency).map((escalation) => (
              <EscalationItem
                key={escalation.id}
                escalation={escalation}
                rigName={rigNames.get(escalation.sourceRigId)}
                actions={actions}
              />
            ))}
          </ul>
        )
      }
    </Show>
  );
}

function EscalationItem({
  escalation,
  rigName,
  actions,
}: {
  escalation: Escalation;
  rigName: string | undefined;
  actions: EscalationActions;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const messageId = `escalation-message-${escalation.id}`;
  const state = escalation.status;

  async function run(action: (e: Escalation) => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action(escalation);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class={`escalation escalation-${state}`} data-escalation-id={escalation.id}>
      <div class="escalation-head">
        <span class={`badge severity-${escalation.severity}`}>{escalation.severity}</span>
        <span class={`badge state state-${state}`} data-testid="escalation-state">
          {state}
        </span>
        {escalation.occurrences > 1 && (
          <span class="occurrences small" data-testid="escalation-occurrences" title={`raised ${escalation.occurrences} times`}>
            ×{escalation.occurrences}
          </span>
        )}
        <span class="muted small">
          {rigName ?? escalation.sourceRigId}
          {escalation.category ? ` · ${escalation.category}` : ''} · <Time iso={escalation.createdAt} />
        </span>
      </div>
      <p id={messageId} class="escalation-message">
        {escalation.message}
      </p>
      {escalation.acknowledged && (
        <p class="muted small">
          Acknowledged <Time iso={escalation.acknowledgedAt} />
          {escalation.acknowledgedBy ? ` by ${escalation.acknowledgedBy}` : ''}
        </p>
      )}
      {escalation.reEscalationCount > 0 && (
        <p class="muted small">
          Re-escalated {escalation.reEscalationCount}× (raised as {escalation.originalSeverity})
        </p>
      )}
      {state !== 'resolved' && (actions.acknowledge || actions.resolve) && (
        <div class="actions">
          {actions.acknowledge && state === 'open' && (
            <button
              type="button"
              disabled={busy}
              aria-describedby={messageId}
              onClick={() => actions.acknowledge && run(actions.acknowledge)}
            >
              Acknowledge
            </button>
          )}
          {actions.resolve && (
            <button type="button" disabled={busy} aria-describedby={messageId} onClick={() => actions.resolve && run(actions.resolve)}>
              Resolve
            </button>
          )}
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
