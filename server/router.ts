import { mayorRouter } from './mayor/mayor.router';
import { convoyRouter } from './town/convoy.router';
import { escalationRouter } from './town/escalation.router';
import { rigRouter } from './town/rig.router';
import { watchdogRouter } from './town/watchdog.router';
import { router } from './trpc';

export const appRouter = router({
  rig: rigRouter,
  convoy: convoyRouter,
  watchdog: watchdogRouter,
  escalation: escalationRouter,
  mayor: mayorRouter,
});

export type AppRouter = typeof appRouter;
