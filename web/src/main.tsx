import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { clientFor, type TownClient } from './api';
import { TownBus } from './bus';
import { ConvoyPage } from './convoy-page';
import { type StreamState, useTownStream } from './live';
import { clearSession, loadSession, type Session, saveSession } from './session';
import { SignIn } from './sign-in';
import { namesOf, useTownData } from './town-data';
import { TownStatusBar, useTownStatus } from './town-status';
import { TownView } from './town-view';
import './style.css';
import './panels.css';
import './convoy-page.css';
import './town-scale.css';
import './work-loop.css';
import './plans.css';

const STREAM_LABELS: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  stopped: 'not live',
};

type Route = { page: 'town' } | { page: 'convoy'; convoyId: string };

/** `#/convoys/<id>` is a convoy's page; anything else is the town. Hash routes work from static assets as they are. */
function routeOf(hash: string): Route {
  const match = hash.match(/^#\/convoys\/([^/]+)$/);
  return match?.[1] ? { page: 'convoy', convoyId: decodeURIComponent(match[1]) } : { page: 'town' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Shown on the sign-in form when the server ended the session (a read or the live stream got UNAUTHORIZED). */
const SIGNED_OUT_NOTICE = 'Signed out: the token is no longer valid (revoked, expired, or its rig removed).';

function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [lastTown, setLastTown] = useState(session?.townId ?? '');
  const [notice, setNotice] = useState<string | null>(null);
  if (!session) {
    return (
      <SignIn
        initialTown={lastTown}
        notice={notice}
        onSignedIn={(next) => {
          saveSession(next);
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }
  const signOut = (why: string | null) => {
    clearSession();
    setLastTown(session.townId);
    setNotice(why);
    setSession(null);
  };
  return <Dashboard session={session} onSignOut={() => signOut(null)} onRefused={() => signOut(SIGNED_OUT_NOTICE)} />;
}

function Dashboard({ session, onSignOut, onRefused }: { session: Session; onSignOut: () => void; onRefused: () => void }) {
  const client: TownClient = useMemo(() => clientFor(session), [session]);
  const bus = useMemo(() => new TownBus(), []);
  const data = useTownData(client, session, bus);
  const townStatus = useTownStatus(client, session, bus);
  const route = useRoute();
  // A token that stops working (expired, revoked) ends the session: back to the sign-in form.
  const refused = [data.rigs, data.convoys, data.escalations].some((d) => d.loaded.state === 'error' && d.loaded.code === 'UNAUTHORIZED');
  useEffect(() => {
    if (refused) onRefused();
  }, [refused, onRefused]);
  // The live stream ends UNAUTHORIZED when the token's right ends (revoked, expired, rig removed).
  const stream = useTownStream(client, session.townId, bus, onRefused);
  const refresh = () => bus.emit({ kind: 'resync' });
  return (
    <>
      <header class="top">
        <h1>
          <a class="top-title" href="#/">
            Town {session.townId}
          </a>
        </h1>
        <span class="muted small">
          {session.role === 'rig' ? `rig token${session.rigId ? ` (${session.rigId})` : ''}` : `${session.role} token`}
        </span>
        <span class="spacer" />
        <span role="status" class={`conn conn-${stream.state}`} data-testid="stream-state">
          {STREAM_LABELS[stream.state]}
        </span>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <TownStatusBar client={client} session={session} status={townStatus} onTownPage={route.page !== 'convoy'} />
        {route.page === 'convoy' ? (
          <ConvoyPage client={client} session={session} bus={bus} convoyId={route.convoyId} names={namesOf(data)} />
        ) : (
          <TownView client={client} session={session} data={data} recentEvents={stream.recent} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
