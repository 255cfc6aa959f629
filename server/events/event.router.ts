import { TRPCError, type TrackedEnvelope, tracked } from '@trpc/server';
import { z } from 'zod';
import { access, narrowedToRig, UNAUTHORIZED_MESSAGE } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { EVENT_PAGE_MAX } from '../core/event-log';
import { EVENT_TYPES, type TownEvent } from '../core/event-shape';
import { eventLines, StreamRightEnded } from './event-lines';

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
    .meta(access.rigNarrowed)
    .input(
      townInput.extend({
        after: eventCursor.optional(),
        limit: z.number().int().min(1).max(EVENT_PAGE_MAX).optional(),
        // The last `limit` events instead of those after `after` (the dashboard's opening feed; both: BAD_REQUEST).
        latest: z.boolean().optional(),
        ...eventFilterInput,
      }),
    )
    .query(({ ctx, input: { townId, ...input } }) => ctx.town(townId).listEvents(input, narrowedToRig(ctx.principal))),
  /**
   * Server-Sent Events: each event as `tracked(id, event)`, pushed as it commits. `lastEventId` (sent by
   * the client link on reconnect, or the `Last-Event-ID` header) replays what was missed first.
   */
  subscribe: procedure
    .meta(access.rigNarrowed)
    .input(townInput.extend({ lastEventId: eventCursor.optional(), ...eventFilterInput }))
    // Typed out: an inferred async generator's `next` type is `any`, which would leak into the client's types.
    .subscription(async function* ({
      ctx,
      input: { townId, ...input },
      signal,
    }): AsyncGenerator<TrackedEnvelope<TownEvent>, void, unknown> {
      const stream = await ctx.town(townId).subscribeEvents(input, narrowedToRig(ctx.principal));
      try {
        for await (const event of eventLines(stream, signal)) yield tracked(event.id, event);
      } catch (error) {
        // The token's right ended (revoked, expired, rig removed): the final event is UNAUTHORIZED, which
        // the client does not retry: it is signed out.
        if (error instanceof StreamRightEnded) throw new TRPCError({ code: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE });
        if (!signal?.aborted) throw streamEnded(error);
      }
      if (!signal?.aborted) throw streamEnded();
    }),
});

/**
 * The TownDO ended the stream (it restarted or was evicted, or dropped a subscriber that fell behind).
 * SERVICE_UNAVAILABLE is one of the codes tRPC's client treats as retryable: it reconnects, sending its
 * last event id, and misses nothing.
 */
function streamEnded(cause?: unknown) {
  return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'the event stream ended; reconnect with lastEventId', cause });
}
