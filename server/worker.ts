import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from './router';

export { MayorDO } from './mayor/mayor-do';
export { RigDO } from './rig/rig-do';
export { TownDO } from './town/town-do';

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/health' && req.method === 'GET') {
      return Response.json({ ok: true, service: 'town' });
    }
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
      return fetchRequestHandler({
        endpoint: '/trpc',
        req,
        router: appRouter,
        createContext: () => ({ env, req }),
        onError({ error, path }) {
          if (error.code === 'INTERNAL_SERVER_ERROR') {
            console.error(
              JSON.stringify({ level: 'error', event: 'trpc.error', path, message: error.message, cause: String(error.cause ?? '') }),
            );
          }
        },
      });
    }
    return Response.json({ error: 'not found' }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
