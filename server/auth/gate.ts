import type { z } from 'zod';
import { trpcErrorResponse } from '../core/http-error';
import { townStub } from '../core/town-stub';
import { type AccessMeta, admitsCall, authenticate, FORBIDDEN_MESSAGE, townCall, UNAUTHORIZED_MESSAGE } from './access';

// A subscription streams (SSE) with HTTP 200 before its middleware runs its course: an error thrown
// there reaches the client as a 200 carrying an `event: serialized-error` block. So the Worker asks
// this gate first, with the same rule as the middleware (`admitsCall`) plus the revocation check, the
// input's validation and the resume cursor's check, and a refused caller gets a real 401, 403 or 400
// before any stream starts. The gate reads the procedure path exactly as tRPC will (the Worker hands
// tRPC the canonical URL, see canonicalTrpcRequest), so no spelling of a path slips past it.

/** What the gate reads of a procedure: its type, declared access and input parsers. */
export type GatedProcedures = Record<string, { _def: { type: string; meta?: unknown; inputs?: unknown[] } }>;

const ENDPOINT = /^\/+trpc(?=\/|$)/i;

/** The procedure path(s) of a `/trpc` URL as tRPC reads them (slashes trimmed, decoded), or null if undecodable. */
export function trpcPath(url: URL): string | null {
  const raw = url.pathname.replace(ENDPOINT, '').replace(/^\/+|\/+$/g, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Whether a URL is addressed to the tRPC endpoint, in any case (`/trpc`, `/TRPC/…`). */
export const isTrpcUrl = (url: URL): boolean => ENDPOINT.test(url.pathname);

/**
 * The request as tRPC must see it: `/trpc/<decoded path>`, so the gate and tRPC read one path
 * (trailing slashes, `%2E`, a `/TRPC` prefix are all made canonical here, once).
 */
export function canonicalTrpcRequest(req: Request, path: string, parsed: URL = new URL(req.url)): Request {
  const pathname = `/trpc/${path.split(',').map(encodeURIComponent).join(',')}`;
  // Most requests are canonical already (every client's): no second URL and Request for them.
  if (parsed.pathname === pathname) return req;
  const url = new URL(parsed);
  url.pathname = pathname;
  return new Request(url, req);
}

function refusal(status: 401 | 403, path: string): Response {
  return status === 401
    ? trpcErrorResponse('UNAUTHORIZED', UNAUTHORIZED_MESSAGE, path)
    : trpcErrorResponse('FORBIDDEN', FORBIDDEN_MESSAGE, path);
}

function inputOf(url: URL): unknown {
  try {
    return JSON.parse(url.searchParams.get('input') ?? 'null');
  } catch {
    return undefined;
  }
}

/** The resume cursor wherever tRPC takes it from: the input, the `Last-Event-ID` header, or the query. */
function lastEventIdOf(req: Request, url: URL, input: unknown): string | undefined {
  const inInput = typeof input === 'object' && input !== null ? (input as { lastEventId?: unknown }).lastEventId : undefined;
  const found = req.headers.get('last-event-id') ?? url.searchParams.get('lastEventId') ?? url.searchParams.get('Last-Event-Id') ?? inInput;
  return typeof found === 'string' ? found : undefined;
}

// The subscriptions of each router by lower-case name, built once (not a walk over every procedure per request).
const subscriptionsOf = new WeakMap<GatedProcedures, Map<string, GatedProcedures[string]>>();

/** The subscription a path names, matched without regard to case (so no spelling of it passes unchecked). */
function subscriptionNamed(path: string, procedures: GatedProcedures) {
  let byName = subscriptionsOf.get(procedures);
  if (!byName) {
    byName = new Map(
      Object.entries(procedures)
        .filter(([, procedure]) => procedure._def.type === 'subscription')
        .map(([name, procedure]) => [name.toLowerCase(), procedure]),
    );
    subscriptionsOf.set(procedures, byName);
  }
  return byName.get(path.toLowerCase());
}

/**
 * For a request to a subscription: a 400/401/403 (or the cursor's 412) Response when it may not stream,
 * or null to go on (then the middleware checks again, as for any call). Any other request: null.
 */
export async function gateSubscription(
  req: Request,
  env: Env,
  procedures: GatedProcedures,
  knownPath?: string | null,
): Promise<Response | null> {
  const path = knownPath === undefined ? trpcPath(new URL(req.url)) : knownPath;
  if (path === null) return null; // tRPC answers an undecodable path itself (BAD_REQUEST)
  const named = path.split(',').map((p) => subscriptionNamed(p, procedures));
  const procedure = named.find((p) => p !== undefined);
  // tRPC streams only over GET: any other method is its 405, before any procedure runs.
  if (!procedure || req.method !== 'GET') return null;
  if (named.length > 1) return trpcErrorResponse('BAD_REQUEST', 'a subscription travels alone, never in a batch', path);
  const url = new URL(req.url);
  const principal = await authenticate(env, req.headers.get('authorization'));
  if (!principal) return refusal(401, path);
  const declared = (procedure._def.meta as AccessMeta | undefined)?.access;
  const input = inputOf(url);
  if (!declared || !admitsCall(principal, declared, input)) return refusal(403, path);
  const lastEventId = lastEventIdOf(req, url, input);
  const parser = procedure._def.inputs?.[0] as z.ZodType | undefined;
  const parsed = parser?.safeParse(lastEventId === undefined ? input : { ...(input as object), lastEventId });
  if (parsed && !parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
    return trpcErrorResponse('BAD_REQUEST', message, path);
  }
  if (principal.role === 'admin' && lastEventId === undefined) return null;
  // One call to the input's town (the token's, as admitsCall just checked): the revocation and the cursor.
  const townId = (input as { townId: string }).townId;
  const checked = await townStub(env, townId).checkSubscriber(townCall(principal, townId), lastEventId);
  if (checked.ok) return null;
  return checked.code === 'UNAUTHORIZED' ? refusal(401, path) : trpcErrorResponse(checked.code, checked.message, path);
}
