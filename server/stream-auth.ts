import { bearerToken, tokenMatches } from './auth';

// Checks made by the Worker before tRPC sees a request. tRPC answers a subscription's errors inside the
// event stream (HTTP 200 + an `event: serialized-error`), which an EventSource reports as a generic
// failure, and proxies log as a success: an unauthenticated subscription is refused here, with a real
// 401, before any stream starts.

/** Query parameters that would carry a credential. URLs land in logs, so a request carrying one is refused. */
const CREDENTIAL_QUERY_PARAMS = ['token', 'access_token', 'accesstoken', 'authorization', 'auth', 'api_key', 'apikey', 'bearer'];

const trpcErrorResponse = (status: number, code: string, message: string) =>
  Response.json({ error: { message, code: status === 401 ? -32001 : -32600, data: { code, httpStatus: status } } }, { status });

/** A 400 for a request that puts a credential in its URL (whatever else it carries), or null. */
export function refuseCredentialInUrl(url: URL): Response | null {
  const names = [...url.searchParams.keys()].map((k) => k.toLowerCase());
  if (!names.some((name) => CREDENTIAL_QUERY_PARAMS.includes(name))) return null;
  return trpcErrorResponse(
    400,
    'BAD_REQUEST',
    'credentials are never accepted in a URL (URLs are logged): send Authorization: Bearer <token>',
  );
}

/**
 * A 401 for a subscription request without a valid bearer token, or null to let it through. The one
 * place that decides who may open a stream before it opens: another auth scheme swaps this inside.
 */
export async function refuseUnauthenticatedSubscription(req: Request, env: Env): Promise<Response | null> {
  const expected = env.TOWN_API_TOKEN;
  const presented = bearerToken(req.headers.get('authorization'));
  // No token configured: let tRPC's middleware answer its INTERNAL_SERVER_ERROR, as for every procedure.
  if (!expected || (presented && (await tokenMatches(presented, expected)))) return null;
  return trpcErrorResponse(401, 'UNAUTHORIZED', 'missing or invalid bearer token');
}
