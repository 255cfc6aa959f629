import { z } from 'zod';
import { unwrap } from '../errors';
import { townStub } from '../town/stub';
import { entityId, procedure, router, townInput } from '../trpc';

export const HISTORY_MAX_LIMIT = 500;

export const watchdogRouter = router({
  status: procedure
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).watchdogStatus(input.townId))),
  heartbeat: procedure
    .input(townInput)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).watchdogHeartbeat(input.townId))),
  history: procedure
    .input(townInput.extend({ target: entityId.optional(), limit: z.number().int().min(1).max(HISTORY_MAX_LIMIT).optional() }))
    .query(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).watchdogHistory(input.townId, { target: input.target, limit: input.limit })),
    ),
});
