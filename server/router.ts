import { authRouter } from './auth/auth.router';
import { convoyRouter } from './convoys/convoy.router';
import { escalationRouter } from './escalations/escalation.router';
import { mayorRouter } from './mayor/mayor.router';
import { rigRouter } from './rigs/rig.router';
import { router } from './trpc';
import { watchdogRouter } from './watchdog/watchdog.router';

export const appRouter = router({
  rig: rigRouter,
  convoy: convoyRouter,
  watchdog: watchdogRouter,
  escalation: escalationRouter,
  mayor: mayorRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;
