import { z } from 'zod';
import { unwrap } from '../errors';
import { townStub } from '../town/stub';
import { entityId, procedure, router, townInput } from '../trpc';
import { EVENT_PAGE_MAX } from './log';
import { EVENT_TYPES } from './shape';

/** An event id as a cursor (its form, and that it is this town's, are checked by the log: BAD_REQUEST). */
const eventCursor = z.string().min(1).max(32);

/** The filters `event.list` and `event.subscribe` share: every one given must match. */
export const eventFilterInput = {
  types: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).optional(),
  rigId: entityId.optional(),
  convoyId: entityId.optional(),
  escalationId: entityId.optional(),
};

export const eventRouter = router({
  list: procedure
    .input(
      townInput.extend({
        after: eventCursor.optional(),
        limit: z.number().int().min(1).max(EVENT_PAGE_MAX).optional(),
        ...eventFilterInput,
      }),
    )
    .query(async ({ ctx, input: { townId, ...input } }) => unwrap(await townStub(ctx.env, townId).listEvents(townId, input))),
});
