import { z } from 'zod';
import { unwrap } from '../errors';
import { pageInput } from '../pagination';
import { townStub } from '../town/stub';
import { entityId, procedure, router, townInput } from '../trpc';
import { rigStub } from './stub';

const rigName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only [A-Za-z0-9._-]');
const rigRef = townInput.extend({ rigId: entityId });

export const rigRouter = router({
  register: procedure
    .input(townInput.extend({ name: rigName }))
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).registerRig(input.townId, { name: input.name }))),
  list: procedure.input(townInput).query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).listRigs(input.townId))),
  get: procedure
    .input(rigRef)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).getRig(input.townId, input.rigId))),
  remove: procedure
    .input(rigRef)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).removeRig(input.townId, input.rigId))),
  // ── beads (held by the rig's RigDO; the town answers NOT_FOUND for an unregistered rig) ──
  beads: procedure
    .input(rigRef.extend({ status: z.enum(['open', 'in_progress', 'closed']).optional(), convoyId: entityId.optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, rigId, ...filter } }) => {
      unwrap(await townStub(ctx.env, townId).getRig(townId, rigId));
      return unwrap(await rigStub(ctx.env, townId, rigId).listBeads(filter));
    }),
  closeBead: procedure.input(rigRef.extend({ beadId: entityId })).mutation(async ({ ctx, input: { townId, rigId, beadId } }) => {
    unwrap(await townStub(ctx.env, townId).getRig(townId, rigId));
    return unwrap(await rigStub(ctx.env, townId, rigId).closeBead(beadId));
  }),
});
