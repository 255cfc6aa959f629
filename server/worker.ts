import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { limitBody } from './body-limit';
import { logEvent } from './log';
import { appRouter } from './router';
import { refuseCredentialInUrl, refuseUnauthenticatedSubscription } from './stream-auth';

export { MayorDO } from './mayor/mayor-do';
export { RigDO } from './rigs/rig-do';
export { TownDO } from './town/town-do';
export { TownContainer } from './watchdog/town-container';

/** `/trpc/<path>` of every subscription procedure (they answer with event streams). */
const SUBSCRIPTION_PATHS = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, p]) => p._def.type === 'subscription')
    .map(([path]) => `/trpc/${path}`),
);
/** Sent first on every event stream: an EventSource reconnects after 1 s instead of its default 3 s. */
const SSE_RETRY_MS = 1_000;

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
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
      const refused =
        refuseCredentialInUrl(url) ?? (SUBSCRIPTION_PATHS.has(url.pathname) ? await refuseUnauthenticatedSubscription(req, env) : null);
      if (refused) return refused;
      const limited = await limitBody(req);
      if (limited instanceof Response) return limited;
      const res = await fetchRequestHandler({
        endpoint: '/trpc',
        req: limited,
        router: appRouter,
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
      return SUBSCRIPTION_PATHS.has(url.pathname) ? withRetryField(res) : res;
    }
    return Response.json({ error: 'not found' }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
