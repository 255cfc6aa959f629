import { z } from 'zod';
import { access, callerName, narrowedToRig } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { EVENT_TYPES } from '../core/event-shape';
import { pageInput } from '../core/pagination';
import { PRIORITY_LEAST_URGENT, PRIORITY_MOST_URGENT } from '../rigs/priority';
import { BEAD_KEY_MAX_CHARS, DEPENDS_ON_MAX } from './dependency-plan';
import { PAUSE_REASON_MAX_CHARS } from './pauses';
import { CONVOY_WATCHERS_MAX } from './watchers';

export const CONVOY_TITLE_MAX_CHARS = 200;
export const BEAD_TITLE_MAX_CHARS = 200;
export const BEAD_BODY_MAX_CHARS = 10_000;
// One call's beads fit one delivery per rig (DELIVERY_MAX_BEADS, DELIVERY_MAX_CHARS), since a call's body is capped too.
export const CONVOY_BEADS_PER_CALL_MAX = 10_000;
export const MAX_ATTEMPTS_MIN = 1;
export const MAX_ATTEMPTS_MAX = 10;

const title = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const newBead = z.strictObject({
  rigId: entityId,
  title: title(BEAD_TITLE_MAX_CHARS),
  body: z.string().max(BEAD_BODY_MAX_CHARS).optional(),
  key: z.string().min(1).max(BEAD_KEY_MAX_CHARS).optional(),
  // Keys or bead ids (≤ 64 chars: a bead id is a UUID) of the same convoy, this call's or earlier.
  dependsOn: z.array(z.string().min(1).max(BEAD_KEY_MAX_CHARS)).max(DEPENDS_ON_MAX).optional(),
});
const newBeads = z.array(newBead).min(1).max(CONVOY_BEADS_PER_CALL_MAX);
// 0 the most urgent, 4 the least (default 2); a claim ages it by the bead's waiting (docs/rigs.md).
const priority = z.number().int().min(PRIORITY_MOST_URGENT).max(PRIORITY_LEAST_URGENT);
const convoyRef = townInput.extend({ convoyId: entityId });
const idempotencyKey = z.string().min(1).max(128);
const dueAt = z.iso.datetime({ offset: true });
export const BUDGET_MAX = 1e12;
const budget = z.number().positive().max(BUDGET_MAX);
// A watcher is told at one place: a webhook URL (with its own signing secret) or an email address.
const watcherFields = { webhookUrl: z.url().max(2_048).optional(), email: z.email().max(254).optional() };
const oneTarget = (t: { webhookUrl?: string; email?: string }) => (t.webhookUrl === undefined) !== (t.email === undefined);
const ONE_TARGET = { message: 'give exactly one of webhookUrl and email', path: ['webhookUrl'] };
const watcherTarget = z.strictObject(watcherFields).refine(oneTarget, ONE_TARGET);

export const convoyRouter = router({
  create: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        title: title(CONVOY_TITLE_MAX_CHARS),
        beads: newBeads,
        createdBy: z.string().trim().min(1).max(128).optional(),
        idempotencyKey: idempotencyKey.optional(),
        dueAt: dueAt.optional(),
        watchers: z.array(watcherTarget).max(CONVOY_WATCHERS_MAX).optional(),
        maxAttempts: z.number().int().min(MAX_ATTEMPTS_MIN).max(MAX_ATTEMPTS_MAX).optional(),
        requireRef: z.boolean().optional(),
        budget: budget.optional(),
        priority: priority.optional(),
        // false: answer once the town committed; the rigs get the beads within moments (docs/convoys.md).
        waitForRigs: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).createConvoy(input)),
  // A new due date, or none (null): the forecast's health and the due-date escalation follow it.
  setDue: procedure
    .meta(access.town)
    .input(convoyRef.extend({ dueAt: dueAt.nullable() }))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).setConvoyDue(input)),
  // Someone told of the convoy's landing, failure, cancel, pause and due-date risk; answers a webhook watcher's own secret once.
  // A new priority for the convoy's beads, at every rig holding them (told durably), and for beads added later.
  setPriority: procedure
    .meta(access.town)
    .input(convoyRef.extend({ priority }))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).setConvoyPriority(input)),
  watch: procedure
    .meta(access.town)
    .input(convoyRef.extend(watcherFields).refine(oneTarget, ONE_TARGET))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).watchConvoy(input)),
  unwatch: procedure
    .meta(access.town)
    .input(convoyRef.extend({ watcherId: entityId }))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).unwatchConvoy(input)),
  // The convoy's watchers (at most 20), never a secret.
  watchers: procedure
    .meta(access.town)
    .input(convoyRef)
    .query(({ ctx, input }) => ctx.town(input.townId).convoyWatchers(input.convoyId)),
  // A new budget, or none (null): its alert follows; a raise lifts the budget's pause (not a pause by hand).
  setBudget: procedure
    .meta(access.town)
    .input(convoyRef.extend({ budget: budget.nullable() }))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).setConvoyBudget(input)),
  // The pause switch (by hand): no claim after this answers gets the convoy's beads; its own resume lifts it.
  pause: procedure
    .meta(access.town)
    .input(convoyRef.extend({ reason: z.string().trim().min(1).max(PAUSE_REASON_MAX_CHARS) }))
    .mutation(({ ctx, input: { townId, convoyId, reason } }) =>
      ctx.town(townId).pauseConvoy({ convoyId, cause: 'manual', reason, by: callerName(ctx.principal) }, true),
    ),
  resume: procedure
    .meta(access.town)
    .input(convoyRef)
    .mutation(({ ctx, input: { townId, convoyId } }) =>
      ctx.town(townId).pauseConvoy({ convoyId, cause: 'manual', reason: 'resumed', by: callerName(ctx.principal) }, false),
    ),
  retryFailed: procedure
    .meta(access.town)
    .input(convoyRef)
    .mutation(({ ctx, input }) => ctx.town(input.townId).retryFailedConvoy(input.convoyId)),
  addBeads: procedure
    .meta(access.town)
    .input(convoyRef.extend({ beads: newBeads, idempotencyKey: idempotencyKey.optional(), waitForRigs: z.boolean().optional() }))
    .mutation(({ ctx, input: { townId, ...input } }) => ctx.town(townId).addConvoyBeads(input)),
  beadClosed: procedure
    .meta(access.town)
    .input(convoyRef.extend({ beadId: entityId }))
    .mutation(({ ctx, input }) => ctx.town(input.townId).onBeadClosed(input.convoyId, input.beadId)),
  cancel: procedure
    .meta(access.town)
    .input(convoyRef)
    .mutation(({ ctx, input }) => ctx.town(input.townId).cancelConvoy(input.convoyId)),
  get: procedure
    .meta(access.rigNarrowed)
    .input(convoyRef)
    .query(({ ctx, input }) => ctx.town(input.townId).getConvoy(input.convoyId, narrowedToRig(ctx.principal))),
  // The dependency graph (nodes with their wave, edges dependency → dependent), up to 2,000 beads.
  graph: procedure
    .meta(access.rigNarrowed)
    .input(convoyRef)
    .query(({ ctx, input }) => ctx.town(input.townId).convoyGraph(input.convoyId, narrowedToRig(ctx.principal))),
  // The convoy's beads in the order added, a page at a time (convoy.get answers per-rig counts only).
  beads: procedure
    .meta(access.rigNarrowed)
    .input(convoyRef.extend({ status: z.enum(['open', 'closed']).optional(), rigId: entityId.optional(), ...pageInput }))
    .query(({ ctx, input: { townId, ...input } }) => ctx.town(townId).listConvoyBeads(input, narrowedToRig(ctx.principal))),
  // The convoy's story from the event log, a page at a time, with its figures (time to land, p50/p90 close times).
  timeline: procedure
    .meta(access.rigNarrowed)
    .input(
      convoyRef.extend({
        types: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).optional(),
        limit: pageInput.limit,
        cursor: z.string().min(1).max(32).optional(),
      }),
    )
    .query(({ ctx, input: { townId, ...input } }) => ctx.town(townId).convoyTimeline(input, narrowedToRig(ctx.principal))),
  list: procedure
    .meta(access.rigNarrowed)
    .input(
      townInput.extend({
        status: z.enum(['active', 'landed', 'failed', 'cancelled']).optional(),
        ...pageInput,
      }),
    )
    .query(({ ctx, input: { townId, ...input } }) => ctx.town(townId).listConvoys(input, narrowedToRig(ctx.principal))),
});
