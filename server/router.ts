import { mayorRouter } from './mayor/mayor.router';
import { escalationRouter } from './town/escalation.router';
import { rigRouter } from './town/rig.router';
import { router } from './trpc';

export const appRouter = router({
  rig: rigRouter,
  // --- escalations + mayor ---
  escalation: escalationRouter,
  mayor: mayorRouter,
  // --- end escalations + mayor ---
});

export type AppRouter = typeof appRouter;
