import { z } from 'zod';
import { access } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { pageInput } from '../core/pagination';
import { townStub } from '../core/town-stub';
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
    .mutation(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).registerRig(ctx.caller(input.townId), { name: input.name })),
    ),
  list: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).listRigs(ctx.caller(input.townId)))),
  get: procedure
    .meta(access.town)
    .input(rigRef)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).getRig(ctx.caller(input.townId), input.rigId))),
  remove: procedure
    .meta(access.town)
    .input(rigRef)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).removeRig(ctx.caller(input.townId), input.rigId))),
  // ── beads (held by the rig's RigDO; the town answers NOT_FOUND for an unregistered rig) ──
  beads: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ status: z.enum(['open', 'in_progress', 'closed']).optional(), convoyId: entityId.optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, rigId, ...filter } }) => {
      unwrap(await townStub(ctx.env, townId).getRig(ctx.caller(townId), rigId));
      return unwrap(await rigStub(ctx.env, townId, rigId).listBeads(filter));
    }),
  closeBead: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ beadId: entityId }))
    .mutation(async ({ ctx, input: { townId, rigId, beadId } }) => {
      unwrap(await townStub(ctx.env, townId).getRig(ctx.caller(townId), rigId));
      return unwrap(await rigStub(ctx.env, townId, rigId).closeBead(beadId));
    }),
});
