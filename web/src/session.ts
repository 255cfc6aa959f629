// The signed-in session: the town and its token, kept in sessionStorage (this tab only, gone when it
// closes) and sent as the Authorization header by the typed client — never put in a URL.

export type Role = 'admin' | 'town' | 'rig';

export interface Session {
  townId: string;
  token: string;
  /** What the page offers (e.g. no Acknowledge for a rig token); the server decides what is allowed. */
  role: Role;
  rigId: string | null;
}

const STORAGE_KEY = 'town.dashboard.session';

/**
 * A scoped token is a JWT whose claims name its role (and rig); anything else is the admin token.
 * Read without verifying: it only chooses what to show, every call is still checked by the server.
 */
export function roleOf(token: string): { role: Role; rigId: string | null } {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) return { role: 'admin', rigId: null };
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const claims = JSON.parse(json) as { role?: unknown; rigId?: unknown };
    const role = claims.role === 'town' || claims.role === 'rig' ? claims.role : 'admin';
    return { role, rigId: typeof claims.rigId === 'string' ? claims.rigId : null };
  } catch {
    return { role: 'admin', rigId: null };
  }
}

export function makeSession(townId: string, token: string): Session {
  return { townId, token, ...roleOf(token) };
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const { townId, token } = JSON.parse(raw) as { townId?: unknown; token?: unknown };
    return typeof townId === 'string' && typeof token === 'string' ? makeSession(townId, token) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ townId: session.townId, token: session.token }));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** May this role acknowledge and resolve escalations? A rig token may not (tenancy: agents only raise). */
export function canHandleEscalations(role: Role): boolean {
  return role !== 'rig';
}
