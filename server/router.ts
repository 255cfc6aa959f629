import { convoyRouter } from './town/convoy.router';
import { rigRouter } from './town/rig.router';
import { router } from './trpc';

export const appRouter = router({
  rig: rigRouter,
  // ── convoys ──
  convoy: convoyRouter,
  // ── end convoys ──
});

export type AppRouter = typeof appRouter;
