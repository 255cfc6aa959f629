import { z } from 'zod';
import { access } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';

export const HISTORY_MAX_LIMIT = 500;

export const watchdogRouter = router({
  status: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).watchdogStatus()),
  heartbeat: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(({ ctx, input }) => ctx.town(input.townId).watchdogHeartbeat()),
  history: procedure
    .meta(access.town)
    .input(townInput.extend({ target: entityId.optional(), limit: z.number().int().min(1).max(HISTORY_MAX_LIMIT).optional() }))
    .query(({ ctx, input }) => ctx.town(input.townId).watchdogHistory({ target: input.target, limit: input.limit })),
});
