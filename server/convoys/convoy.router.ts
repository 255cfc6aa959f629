import { z } from 'zod';
import { unwrap } from '../errors';
import { pageInput } from '../pagination';
import { townStub } from '../town/stub';
import { entityId, procedure, router, townInput } from '../trpc';

export const CONVOY_TITLE_MAX_CHARS = 200;
export const BEAD_TITLE_MAX_CHARS = 200;
export const BEAD_BODY_MAX_CHARS = 10_000;
// One call's beads fit one delivery per rig (DELIVERY_MAX_BEADS, DELIVERY_MAX_CHARS), since a call's body is capped too.
export const CONVOY_BEADS_PER_CALL_MAX = 10_000;

const title = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const newBead = z.strictObject({
  rigId: entityId,
  title: title(BEAD_TITLE_MAX_CHARS),
  body: z.string().max(BEAD_BODY_MAX_CHARS).optional(),
});
const newBeads = z.array(newBead).min(1).max(CONVOY_BEADS_PER_CALL_MAX);
const convoyRef = townInput.extend({ convoyId: entityId });
const idempotencyKey = z.string().min(1).max(128);

export const convoyRouter = router({
  create: procedure
    .input(
      townInput.extend({
        title: title(CONVOY_TITLE_MAX_CHARS),
        beads: newBeads,
        createdBy: z.string().trim().min(1).max(128).optional(),
        idempotencyKey: idempotencyKey.optional(),
      }),
    )
    .mutation(async ({ ctx, input: { townId, ...input } }) => unwrap(await townStub(ctx.env, townId).createConvoy(townId, input))),
  addBeads: procedure
    .input(convoyRef.extend({ beads: newBeads, idempotencyKey: idempotencyKey.optional() }))
    .mutation(async ({ ctx, input: { townId, ...input } }) => unwrap(await townStub(ctx.env, townId).addConvoyBeads(townId, input))),
  beadClosed: procedure
    .input(convoyRef.extend({ beadId: entityId }))
    .mutation(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).onBeadClosed(input.townId, input.convoyId, input.beadId)),
    ),
  cancel: procedure
    .input(convoyRef)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).cancelConvoy(input.townId, input.convoyId))),
  get: procedure
    .input(convoyRef)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).getConvoy(input.townId, input.convoyId))),
  list: procedure
    .input(
      townInput.extend({
        status: z.enum(['active', 'landed', 'cancelled']).optional(),
        ...pageInput,
      }),
    )
    .query(async ({ ctx, input: { townId, ...input } }) => unwrap(await townStub(ctx.env, townId).listConvoys(townId, input))),
});
