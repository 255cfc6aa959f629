import { authRouter } from './auth/auth.router';
import { router } from './auth/trpc';
import { convoyRouter } from './convoys/convoy.router';
import { escalationRouter } from './escalations/escalation.router';
import { eventRouter } from './events/event.router';
import { mayorRouter } from './mayor/mayor.router';
import { rigRouter } from './rigs/rig.router';
import { townRouter } from './town/town.router';
import { watchdogRouter } from './watchdog/watchdog.router';

export const appRouter = router({
  rig: rigRouter,
  convoy: convoyRouter,
  watchdog: watchdogRouter,
  escalation: escalationRouter,
  mayor: mayorRouter,
  town: townRouter,
  event: eventRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;
