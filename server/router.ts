import { convoyRouter } from './town/convoy.router';
import { rigRouter } from './town/rig.router';
import { watchdogRouter } from './town/watchdog.router';
import { router } from './trpc';

export const appRouter = router({
  rig: rigRouter,
  convoy: convoyRouter,
  watchdog: watchdogRouter,
});

export type AppRouter = typeof appRouter;
