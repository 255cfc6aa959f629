import { z } from 'zod';
import { access } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { townStub } from '../core/town-stub';

export const HISTORY_MAX_LIMIT = 500;

export const watchdogRouter = router({
  status: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).watchdogStatus(ctx.caller(input.townId)))),
  heartbeat: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).watchdogHeartbeat(ctx.caller(input.townId)))),
  history: procedure
    .meta(access.town)
    .input(townInput.extend({ target: entityId.optional(), limit: z.number().int().min(1).max(HISTORY_MAX_LIMIT).optional() }))
    .query(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).watchdogHistory(ctx.caller(input.townId), { target: input.target, limit: input.limit })),
    ),
});
