import type { AnyRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type GatedProcedures, gateSubscription } from './auth/gate';
import { limitBody } from './body-limit';
import { logEvent } from './log';
import { appRouter } from './router';

export { MayorDO } from './mayor/mayor-do';
export { RigDO } from './rigs/rig-do';
export { TownDO } from './town/town-do';
export { TownContainer } from './watchdog/town-container';

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/health' && req.method === 'GET') {
      return Response.json({ ok: true, service: 'town' });
    }
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) return serveTrpc(req, env, appRouter);
    return Response.json({ error: 'not found' }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;

/**
 * `/trpc/*` for `router` (the app's; tests pass their own to exercise the gate with a subscription).
 * Bodies over 1 MiB → 413; a subscription is authorized before it streams (auth/gate.ts).
 */
export async function serveTrpc(req: Request, env: Env, router: AnyRouter): Promise<Response> {
  const limited = await limitBody(req);
  if (limited instanceof Response) return limited;
  const refused = await gateSubscription(limited, env, router._def.procedures as GatedProcedures);
  if (refused) return refused;
  return fetchRequestHandler({
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
}
