import { trpcErrorResponse } from '../core/http-error';

// A check made by the Worker before tRPC sees a request. (Who may open a subscription is decided before
// it streams by server/auth/gate.ts, with the same rule as every procedure.)

/** Query parameters that would carry a credential. URLs land in logs, so a request carrying one is refused. */
const CREDENTIAL_QUERY_PARAMS = ['token', 'access_token', 'accesstoken', 'authorization', 'auth', 'api_key', 'apikey', 'bearer'];

/** A 400 for a request that puts a credential in its URL (whatever else it carries), or null. */
export function refuseCredentialInUrl(url: URL): Response | null {
  // Most calls (every mutation) have no query string: reading searchParams builds an object per request.
  if (!url.search) return null;
  const names = [...url.searchParams.keys()].map((k) => k.toLowerCase());
  if (!names.some((name) => CREDENTIAL_QUERY_PARAMS.includes(name))) return null;
  return trpcErrorResponse('BAD_REQUEST', 'credentials are never accepted in a URL (URLs are logged): send Authorization: Bearer <token>');
}
