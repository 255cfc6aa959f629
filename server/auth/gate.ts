import { trpcErrorResponse } from '../core/http-error';
import { townStub } from '../core/town-stub';
import { type AccessMeta, admitsCall, authenticate, FORBIDDEN_MESSAGE, townCall, UNAUTHORIZED_MESSAGE } from './access';

// A subscription streams (SSE) with HTTP 200 before its middleware runs its course: an error thrown
// there reaches the client as a 200 carrying an `event: serialized-error` block. So the Worker asks
// this gate first, with the same rule as the middleware (`admitsCall`) plus the revocation check, and a
// refused caller gets a real 401 or 403 before any stream starts.

/** What the gate reads of a procedure: its type and its declared access. */
export type GatedProcedures = Record<string, { _def: { type: string; meta?: unknown } }>;

function refusal(status: 401 | 403, path: string): Response {
  return status === 401
    ? trpcErrorResponse('UNAUTHORIZED', UNAUTHORIZED_MESSAGE, path)
    : trpcErrorResponse('FORBIDDEN', FORBIDDEN_MESSAGE, path);
}

function inputOf(url: URL): unknown {
  try {
    return JSON.parse(url.searchParams.get('input') ?? 'null');
  } catch {
    return undefined; // tRPC answers the malformed input itself (BAD_REQUEST)
  }
}

/**
 * For a request to a subscription: a 401/403 Response when the caller may not subscribe, or null to go
 * on (then the middleware checks again, as for any call). Any other request: null, at the cost of one
 * map lookup.
 */
export async function gateSubscription(req: Request, url: URL, env: Env, procedures: GatedProcedures): Promise<Response | null> {
  const path = url.pathname.replace(/^\/trpc\/?/, '');
  const procedure = procedures[path];
  if (procedure?._def.type !== 'subscription') return null;
  const principal = await authenticate(env, req.headers.get('authorization'));
  if (!principal) return refusal(401, path);
  const declared = (procedure._def.meta as AccessMeta | undefined)?.access;
  const input = inputOf(url);
  if (!declared || !admitsCall(principal, declared, input)) return refusal(403, path);
  if (principal.role === 'admin') return null;
  // The token's town, which admitsCall just matched to the input's: one call for the revocation check.
  const checked = await townStub(env, principal.townId).checkCaller(townCall(principal, principal.townId));
  return checked.ok ? null : refusal(401, path);
}
