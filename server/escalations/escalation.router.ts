import { z } from 'zod';
import { access } from '../auth/access';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { pageInput } from '../core/pagination';
import { townStub } from '../core/town-stub';
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
    // The answer too: an idempotency key another rig used returns that rig's escalation, not to this one.
    .meta(access.rig('sourceRigId', 'escalation.sourceRigId'))
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
    .mutation(async ({ ctx, input: { townId, ...raise } }) =>
      unwrap(await townStub(ctx.env, townId).raiseEscalation(ctx.caller(townId), raise)),
    ),
  acknowledge: procedure
    .meta(access.town)
    .input(escalationRef.extend({ by: actor.optional() }))
    .mutation(async ({ ctx, input: { townId, ...ack } }) =>
      unwrap(await townStub(ctx.env, townId).acknowledgeEscalation(ctx.caller(townId), ack)),
    ),
  resolve: procedure
    .meta(access.town)
    .input(escalationRef.extend({ by: actor.optional(), reason: z.string().trim().min(1).max(1_000).optional() }))
    .mutation(async ({ ctx, input: { townId, ...resolve } }) =>
      unwrap(await townStub(ctx.env, townId).resolveEscalation(ctx.caller(townId), resolve)),
    ),
  get: procedure
    .meta(access.rigOwned('sourceRigId'))
    .input(escalationRef)
    .query(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).getEscalation(ctx.caller(input.townId), input.escalationId)),
    ),
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
    .query(async ({ ctx, input: { townId, ...filter } }) =>
      unwrap(await townStub(ctx.env, townId).listEscalations(ctx.caller(townId), filter)),
    ),
  deliveries: procedure
    .meta(access.town)
    .input(escalationRef)
    .query(async ({ ctx, input }) =>
      unwrap(await townStub(ctx.env, input.townId).escalationDeliveries(ctx.caller(input.townId), input.escalationId)),
    ),
  silence: procedure
    .meta(access.town)
    .input(townInput.extend({ matchers, endsAt: z.iso.datetime(), reason: z.string().trim().min(1).max(1_000), by: actor.optional() }))
    .mutation(async ({ ctx, input: { townId, ...silence } }) =>
      unwrap(await townStub(ctx.env, townId).silenceEscalations(ctx.caller(townId), silence)),
    ),
  silences: procedure
    .meta(access.town)
    .input(townInput.extend({ active: z.boolean().optional() }))
    .query(async ({ ctx, input: { townId, ...filter } }) =>
      unwrap(await townStub(ctx.env, townId).listSilences(ctx.caller(townId), filter)),
    ),
  unsilence: procedure
    .meta(access.town)
    .input(townInput.extend({ silenceId: entityId }))
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).unsilence(ctx.caller(input.townId), input.silenceId))),
  getRouting: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).getEscalationRouting(ctx.caller(input.townId)))),
  // Each field: omitted = unchanged, null = back to the environment default.
  setRouting: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        webhookUrl: z.url().max(2_048).nullable().optional(),
        emailTo: z.email().max(254).nullable().optional(),
        routes: z.partialRecord(severity, channels).nullable().optional(),
        staleAfterMinutes: z.number().int().min(1).max(10_080).nullable().optional(),
        maxReEscalations: z.number().int().min(0).max(10).nullable().optional(),
        groupWaitSeconds: z.number().int().min(0).max(3_600).nullable().optional(),
        groupIntervalSeconds: z.number().int().min(1).max(86_400).nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input: { townId, ...update } }) =>
      unwrap(await townStub(ctx.env, townId).setEscalationRouting(ctx.caller(townId), update)),
    ),
  /** A new `whsec_…` secret for the town's webhook (shown once); the previous one also signs for 24 h. */
  rotateSigningSecret: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).rotateSigningSecret(ctx.caller(input.townId)))),
});
