import { z } from 'zod';
import { unwrap } from '../errors';
import { entityId, procedure, router, townInput } from '../trpc';
import { townStub } from './stub';

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
});
