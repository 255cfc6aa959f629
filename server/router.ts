import { rigRouter } from './town/rig.router';
import { router } from './trpc';

export const appRouter = router({
  rig: rigRouter,
});

export type AppRouter = typeof appRouter;
