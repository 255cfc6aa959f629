import { z } from 'zod';
import { unwrap } from '../errors';
import { pageInput } from '../pagination';
import { entityId, procedure, router, townInput } from '../trpc';
import { mayorStub } from './stub';

const mailRouter = router({
  list: procedure
    .input(townInput.extend({ unread: z.boolean().optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, ...filter } }) => unwrap(await mayorStub(ctx.env, townId).listMail(filter))),
  markRead: procedure
    .input(townInput.extend({ mailId: entityId }))
    .mutation(async ({ ctx, input }) => unwrap(await mayorStub(ctx.env, input.townId).markRead(input.mailId))),
});

export const mayorRouter = router({
  mail: mailRouter,
  /** Rigs with health, active convoys with progress, unacknowledged escalations and unread mail. */
  briefing: procedure.input(townInput).query(({ ctx, input }) => mayorStub(ctx.env, input.townId).briefing(input.townId)),
});
