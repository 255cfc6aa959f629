import { z } from 'zod';
import { access } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { pageInput } from '../core/pagination';
import { rigStub } from './stub';

const rigName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only [A-Za-z0-9._-]');
const rigRef = townInput.extend({ rigId: entityId });

export const rigRouter = router({
  register: procedure
    .meta(access.town)
    .input(townInput.extend({ name: rigName }))
    .mutation(({ ctx, input }) => ctx.town(input.townId).registerRig({ name: input.name })),
  list: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).listRigs()),
  get: procedure
    .meta(access.town)
    .input(rigRef)
    .query(({ ctx, input }) => ctx.town(input.townId).getRig(input.rigId)),
  remove: procedure
    .meta(access.town)
    .input(rigRef)
    .mutation(({ ctx, input }) => ctx.town(input.townId).removeRig(input.rigId)),
  // ── beads (held by the rig's RigDO; the town answers NOT_FOUND for an unregistered rig) ──
  beads: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ status: z.enum(['open', 'in_progress', 'closed']).optional(), convoyId: entityId.optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, rigId, ...filter } }) => {
      await ctx.town(townId).getRig(rigId);
      return unwrap(await rigStub(ctx.env, townId, rigId).listBeads(filter));
    }),
  closeBead: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ beadId: entityId }))
    .mutation(async ({ ctx, input: { townId, rigId, beadId } }) => {
      await ctx.town(townId).getRig(rigId);
      return unwrap(await rigStub(ctx.env, townId, rigId).closeBead(beadId));
    }),
});
