import { useState } from 'preact/hooks';
import { describeError } from './api';
import { Time } from './sections';

// A pause switch (issue 27) for the town or a convoy: a badge saying it is paused, why and since when,
// and for town and admin tokens a reason field with Pause, or Resume while a pause by hand is active.

export interface PauseState {
  pausedAt: string | null;
  pauseReason: string | null;
  pauses: { cause: string }[];
}

export function PauseSwitch({
  what,
  state,
  pause,
  resume,
  badge = true,
}: {
  /** "the town" or the convoy's title: names the buttons and the field. */
  what: string;
  state: PauseState;
  /** Null when the token may not pause (a rig token). */
  pause: ((reason: string) => Promise<void>) | null;
  resume: (() => Promise<void>) | null;
  /** False where a banner already says it is paused. */
  badge?: boolean;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const byHand = state.pauses.some((p) => p.cause === 'manual');
  const act = async (call: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      setReason('');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const fieldId = `pause-reason-${what.replace(/\W+/g, '-')}`;
  return (
    <div class="pause-switch">
      {badge && state.pausedAt && (
        <span class="badge paused" data-testid="paused-badge">
          Paused: {state.pauseReason} · since <Time iso={state.pausedAt} />
        </span>
      )}
      {pause && !byHand && (
        <form
          class="pause-form"
          onSubmit={(e) => {
            e.preventDefault();
            const why = reason.trim();
            if (why) void act(() => pause(why));
          }}
        >
          <label for={fieldId}>Reason to pause {what}</label>
          <input id={fieldId} value={reason} required maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Pause {what}
          </button>
        </form>
      )}
      {resume && byHand && (
        <button type="button" disabled={busy} onClick={() => void act(resume)}>
          Resume {what}
        </button>
      )}
      {error && (
        <span role="alert" class="bad small">
          {error}
        </span>
      )}
    </div>
  );
}
