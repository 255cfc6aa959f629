import { z } from 'zod';
import { access, narrowedToRig } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { pageInput } from '../core/pagination';
import { SEVERITIES } from './severity';

const severity = z.enum(SEVERITIES);
const channels = z
  .array(z.enum(['mayor', 'webhook', 'email']))
  .max(3)
  .refine((list) => new Set(list).size === list.length, 'must not repeat a channel');
const escalationRef = townInput.extend({ escalationId: entityId });
const category = z.string().trim().min(1).max(64);
const dedupKey = z.string().min(1).max(256);
const actor = z.string().trim().min(1).max(128);
const matchers = z
  .strictObject({
    sourceRigId: entityId.optional(),
    category: category.optional(),
    severity: severity.optional(),
    dedupKeyPrefix: dedupKey.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'set at least one matcher');

export const escalationRouter = router({
  raise: procedure
    // Decided on the input alone: keys are scoped per source, so the answer is always the caller's own.
    .meta(access.rig('sourceRigId'))
    .input(
      townInput.extend({
        sourceRigId: entityId,
        sourceAgentId: entityId.optional(),
        severity,
        category: category.optional(),
        message: z.string().trim().min(1, 'must not be empty').max(8_000),
        idempotencyKey: z.string().min(1).max(128).optional(),
        dedupKey: dedupKey.optional(),
        convoyId: entityId.optional(),
        beadId: entityId.optional(),
      }),
    )
    .mutation(({ ctx, input: { townId, ...raise } }) => ctx.town(townId).raiseEscalation(raise, narrowedToRig(ctx.principal))),
  acknowledge: procedure
    .meta(access.town)
    .input(escalationRef.extend({ by: actor.optional() }))
    .mutation(({ ctx, input: { townId, ...ack } }) => ctx.town(townId).acknowledgeEscalation(ack)),
  resolve: procedure
    .meta(access.town)
    .input(escalationRef.extend({ by: actor.optional(), reason: z.string().trim().min(1).max(1_000).optional() }))
    .mutation(({ ctx, input: { townId, ...resolve } }) => ctx.town(townId).resolveEscalation(resolve)),
  get: procedure
    .meta(access.rigOwned('sourceRigId'))
    .input(escalationRef)
    .query(({ ctx, input }) => ctx.town(input.townId).getEscalation(input.escalationId)),
  list: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
        acknowledged: z.boolean().optional(),
        severity: severity.optional(),
        ...pageInput,
      }),
    )
    .query(({ ctx, input: { townId, ...filter } }) => ctx.town(townId).listEscalations(filter)),
  deliveries: procedure
    .meta(access.town)
    .input(escalationRef)
    .query(({ ctx, input }) => ctx.town(input.townId).escalationDeliveries(input.escalationId)),
  silence: procedure
    .meta(access.town)
    .input(townInput.extend({ matchers, endsAt: z.iso.datetime(), reason: z.string().trim().min(1).max(1_000), by: actor.optional() }))
    .mutation(({ ctx, input: { townId, ...silence } }) => ctx.town(townId).silenceEscalations(silence)),
  silences: procedure
    .meta(access.town)
    .input(townInput.extend({ active: z.boolean().optional() }))
    .query(({ ctx, input: { townId, ...filter } }) => ctx.town(townId).listSilences(filter)),
  unsilence: procedure
    .meta(access.town)
    .input(townInput.extend({ silenceId: entityId }))
    .mutation(({ ctx, input }) => ctx.town(input.townId).unsilence(input.silenceId)),
  getRouting: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).getEscalationRouting()),
  // Each field: omitted = unchanged, null = back to the environment default.
  setRouting: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        webhookUrl: z.url().max(2_048).nullable().optional(),
        webhookAllowAnyPort: z.boolean().nullable().optional(),
        emailTo: z.email().max(254).nullable().optional(),
        routes: z.partialRecord(severity, channels).nullable().optional(),
        staleAfterMinutes: z.number().int().min(1).max(10_080).nullable().optional(),
        maxReEscalations: z.number().int().min(0).max(10).nullable().optional(),
        groupWaitSeconds: z.number().int().min(0).max(3_600).nullable().optional(),
        groupIntervalSeconds: z.number().int().min(1).max(86_400).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input: { townId, ...update } }) => ctx.town(townId).setEscalationRouting(update)),
  /** A new `whsec_…` secret for the town's webhook (shown once); the previous one also signs for 24 h. */
  rotateSigningSecret: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(({ ctx, input }) => ctx.town(input.townId).rotateSigningSecret()),
});
