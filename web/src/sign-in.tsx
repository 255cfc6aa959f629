import { createTownClient } from '@town/client';
import { useState } from 'preact/hooks';
import { describeError } from './api';
import { makeSession, type Session } from './session';

const TOWN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The sign-in form: a town and a token. The token is checked by one read before it is kept. */
export function SignIn({
  onSignedIn,
  initialTown,
  notice = null,
}: {
  onSignedIn: (session: Session) => void;
  initialTown: string;
  /** Why the page is here: "signed out" when the server ended the session (token revoked or expired). */
  notice?: string | null;
}) {
  const [town, setTown] = useState(initialTown);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const townId = town.trim();
    if (!TOWN_ID.test(townId)) {
      setError('Town: 1–128 characters of letters, digits, "-" and "_".');
      return;
    }
    if (!token.trim()) {
      setError('Token: required.');
      return;
    }
    setBusy(true);
    setError(null);
    const session = makeSession(townId, token.trim());
    try {
      // Every role may list convoys, so this tells a refused token from a working one.
      await createTownClient({ url: location.origin, token: session.token }).convoy.list.query({ townId, limit: 1 });
      onSignedIn(session);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Town dashboard</h1>
      {notice && (
        <p class="notice" role="status" data-testid="signed-out">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label for="sign-in-town">Town</label>
        <input
          id="sign-in-town"
          name="town"
          autoComplete="username"
          required
          value={town}
          onInput={(e) => setTown(e.currentTarget.value)}
        />
        <label for="sign-in-token">Token</label>
        <input
          id="sign-in-token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="hint">
        The token stays in this tab (sessionStorage) and is sent only as the <code>Authorization</code> header. Local dev:{' '}
        <code>dev-token</code>.
      </p>
    </main>
  );
}
