import { useState } from 'preact/hooks';
import { describeError, type Rig } from './api';
import { Time } from './sections';

export type ResetBreaker = ((rig: Rig) => Promise<void>) | null;

/** A breaker that is not closed (open, or half-open letting one claim through) stops or slows the rig's claims. */
export function breakerTripped(rig: Rig): boolean {
  return rig.breaker.state !== 'closed';
}

/** The rig's breaker: its state in words, when it lets a claim through, and Reset for a town or admin token (null hides it). */
export function BreakerCell({ rig, reset }: { rig: Rig; reset: ResetBreaker }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { state, reopensAt } = rig.breaker;
  return (
    <td data-testid="breaker">
      <span class={`badge breaker-${state}`}>{state.replace('_', '-')}</span>
      {state !== 'closed' && (
        <>
          {' '}
          <span class="muted small">
            until <Time iso={reopensAt} />
          </span>{' '}
          {reset && (
            <button
              type="button"
              class="small-button"
              disabled={busy}
              aria-label={`Reset the breaker of ${rig.name}`}
              onClick={async () => {
                setBusy(true);
                setError(null);
                try {
                  await reset(rig);
                } catch (failure) {
                  setError(describeError(failure));
                } finally {
                  setBusy(false);
                }
              }}
            >
              Reset
            </button>
          )}
        </>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </td>
  );
}
