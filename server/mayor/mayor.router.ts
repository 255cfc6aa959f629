import { z } from 'zod';
import { access } from '../auth/access';
import { type Authorized, entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { mayorStub } from '../core/mayor-stub';
import { pageInput } from '../core/pagination';
import { townStub } from '../core/town-stub';

/**
 * The Mayor keeps no copy of the town's tokens: a scoped token is checked against the town's
 * revocations first (one TownDO call; the admin token skips it).
 */
async function checkAtTown(ctx: Authorized & { env: Env }, townId: string): Promise<void> {
  const call = ctx.caller(townId);
  if (typeof call !== 'string') unwrap(await townStub(ctx.env, townId).checkCaller(call));
}

const mailRouter = router({
  list: procedure
    .meta(access.town)
    .input(townInput.extend({ unread: z.boolean().optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, ...filter } }) => {
      await checkAtTown(ctx, townId);
      return unwrap(await mayorStub(ctx.env, townId).listMail(filter));
    }),
  markRead: procedure
    .meta(access.town)
    .input(townInput.extend({ mailId: entityId }))
    .mutation(async ({ ctx, input }) => {
      await checkAtTown(ctx, input.townId);
      return unwrap(await mayorStub(ctx.env, input.townId).markRead(input.mailId));
    }),
});

export const mayorRouter = router({
  mail: mailRouter,
  /** Rigs with health, active convoys with progress, unacknowledged escalations and unread mail. */
  briefing: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => {
      await checkAtTown(ctx, input.townId);
      return unwrap(await mayorStub(ctx.env, input.townId).briefing(input.townId));
    }),
});
