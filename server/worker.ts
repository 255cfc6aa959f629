import type { AnyRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { canonicalTrpcRequest, type GatedProcedures, gateSubscription, isTrpcUrl, trpcPath } from './auth/gate';
import { refuseCredentialInUrl } from './auth/stream-auth';
import { refuseOversizeBatch } from './batch-limit';
import { limitBody } from './body-limit';
import { logEvent } from './core/log';
import { appRouter } from './router';

export { MayorDO } from './mayor/mayor-do';
export { RigDO } from './rigs/rig-do';
export { TownDO } from './town/town-do';
export { TownContainer } from './watchdog/town-container';

/** Sent first on every event stream: an EventSource reconnects after 1 s instead of its default 3 s. */
const SSE_RETRY_MS = 1_000;

/**
 * Every `/trpc` answer: never cached (they carry one caller's data, and some a token shown once), never
 * sniffed as another type. (`/` and its assets get theirs from web/_headers.)
 */
function withApiHeaders(res: Response): Response {
  // tRPC's own Response has mutable headers: set them in place rather than copying the Response.
  res.headers.set('cache-control', 'no-store');
  res.headers.set('x-content-type-options', 'nosniff');
  return res;
}

/** The same response with `retry: <ms>` as the stream's first line (an SSE field that sets the reconnect delay). */
function withRetryField(res: Response): Response {
  if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return res;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`retry: ${SSE_RETRY_MS}\n\n`));
    },
  });
  res.body.pipeTo(writable).catch(() => {});
  return new Response(readable, res);
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/health' && req.method === 'GET') {
      return Response.json({ ok: true, service: 'town' });
    }
    if (isTrpcUrl(url)) return withApiHeaders(await serveTrpc(req, env, appRouter, url));
    return Response.json({ error: 'not found' }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;

/**
 * `/trpc/*` for `router` (the app's; tests pass their own to exercise the gate with a subscription).
 * A credential in the URL → 400; a subscription is authorized before it streams (auth/gate.ts: 401/403,
 * not a 200 stream carrying an error); bodies over MAX_REQUEST_BODY_BYTES (4 MiB) → 413.
 */
export async function serveTrpc(received: Request, env: Env, router: AnyRouter, receivedUrl?: URL): Promise<Response> {
  const url = receivedUrl ?? new URL(received.url);
  // tRPC reads the path the gate read: however it was spelled (`/`, `%2E`, `/TRPC`), it is made canonical once.
  const path = trpcPath(url);
  const req = path === null ? received : canonicalTrpcRequest(received, path, url);
  const refused =
    refuseCredentialInUrl(url) ??
    refuseOversizeBatch(req, url) ??
    (await gateSubscription(req, env, router._def.procedures as GatedProcedures, path));
  if (refused) return refused;
  const limited = await limitBody(req);
  if (limited instanceof Response) return limited;
  const res = await fetchRequestHandler({
    endpoint: '/trpc',
    req: limited,
    router,
    createContext: () => ({ env, req: limited }),
    onError({ error, path, input }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        // The input was validated before anything could fail this way, so its townId is a real one.
        const townId = (input as { townId?: unknown } | undefined)?.townId;
        logEvent('error', 'trpc.error', {
          townId: typeof townId === 'string' ? townId : null,
          path,
          message: error.message,
          cause: String(error.cause ?? ''),
        });
      }
    },
  });
  return withRetryField(res);
}
