import { z } from 'zod';
import { access } from '../auth/access';
import type { TownCalls } from '../auth/town-calls';
import { entityId, procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { pageInput } from '../core/pagination';
import { LEASE_SECONDS_MAX, LEASE_SECONDS_MIN } from './claims';
import { CLOSE_REASON_MAX_CHARS, CLOSE_REF_MAX_CHARS } from './outcomes';
import { rigStub } from './stub';

export const COST_MAX = 1e9;
export const REPORT_ID_MAX_CHARS = 128;

export const AGENT_ID_MAX_CHARS = 128;

const rigName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only [A-Za-z0-9._-]');
const rigRef = townInput.extend({ rigId: entityId });
const agentId = z.string().min(1).max(AGENT_ID_MAX_CHARS);
const leaseSeconds = z.number().int().min(LEASE_SECONDS_MIN).max(LEASE_SECONDS_MAX).optional();
const heldBeadRef = rigRef.extend({ beadId: entityId, agentId });
// In the town's cost unit (town.setSettings costUnit, "usd" by default); added to the bead, its convoy and the day.
const cost = z.number().nonnegative().max(COST_MAX).optional();

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
  resetBreaker: procedure
    .meta(access.town)
    .input(rigRef)
    .mutation(async ({ ctx, input: { townId, rigId } }) => {
      const { settings } = await ctx.town(townId).rigForWork(rigId);
      await rigStub(ctx.env, townId, rigId).resetBreaker(settings);
      // The rig reports the change to the town (events, escalation); the town's copy is set now too.
      return ctx.town(townId).breakerReset(rigId);
    }),
  // ── beads (held by the rig's RigDO; the town answers NOT_FOUND for an unregistered rig) ──
  beads: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ status: z.enum(['open', 'in_progress', 'closed']).optional(), convoyId: entityId.optional(), ...pageInput }))
    .query(async ({ ctx, input: { townId, rigId, ...filter } }) => {
      await ctx.town(townId).getRig(rigId);
      return unwrap(await rigStub(ctx.env, townId, rigId).listBeads(filter));
    }),
  // ── the work loop: claim, lease, outcome (server/rigs/claims.ts, outcomes.ts) ──
  claimBead: procedure
    .meta(access.rig('rigId'))
    .input(rigRef.extend({ agentId, leaseSeconds }))
    .mutation(async ({ ctx, input: { townId, rigId, ...input } }) => {
      const { settings, townPaused } = await ctx.town(townId).rigForWork(rigId);
      return unwrap(await rigStub(ctx.env, townId, rigId).claimBead({ ...input, settings, townPaused }));
    }),
  renewLease: procedure
    .meta(access.rig('rigId'))
    .input(heldBeadRef.extend({ leaseSeconds, cost }))
    .mutation(async ({ ctx, input: { townId, rigId, cost, ...input } }) => {
      await ctx.town(townId).getRig(rigId);
      const renewed = unwrap(await rigStub(ctx.env, townId, rigId).renewLease(input));
      await reportCost(ctx, { townId, rigId, beadId: input.beadId, cost });
      return renewed;
    }),
  // Cost of work on a bead outside a renewal or close; with reportId it counts once per (bead, reportId).
  reportCost: procedure
    .meta(access.rig('rigId'))
    .input(
      heldBeadRef.extend({ cost: z.number().nonnegative().max(COST_MAX), reportId: z.string().min(1).max(REPORT_ID_MAX_CHARS).optional() }),
    )
    .mutation(async ({ ctx, input: { townId, rigId, beadId, cost, reportId } }) => {
      await ctx.town(townId).getRig(rigId);
      return reportCost(ctx, { townId, rigId, beadId, cost, reportId });
    }),
  releaseBead: procedure
    .meta(access.rig('rigId'))
    .input(heldBeadRef)
    .mutation(async ({ ctx, input: { townId, rigId, ...input } }) => {
      await ctx.town(townId).getRig(rigId);
      return unwrap(await rigStub(ctx.env, townId, rigId).releaseBead(input));
    }),
  closeBead: procedure
    .meta(access.rig('rigId'))
    .input(
      rigRef.extend({
        beadId: entityId,
        agentId: agentId.optional(),
        outcome: z.enum(['done', 'failed', 'skipped']).optional(),
        reason: z.string().max(CLOSE_REASON_MAX_CHARS).optional(),
        ref: z.string().min(1).max(CLOSE_REF_MAX_CHARS).optional(),
        cost,
      }),
    )
    .mutation(async ({ ctx, input: { townId, rigId, cost, ...input } }) => {
      const { settings } = await ctx.town(townId).rigForWork(rigId);
      const bead = unwrap(await rigStub(ctx.env, townId, rigId).closeBead({ ...input, settings }));
      // Keyed by the attempt: a repeated close counts its cost once with it.
      if (cost !== undefined && bead.convoyId)
        await ctx.town(townId).reportCost({ convoyId: bead.convoyId, beadId: bead.id, cost, reportId: `close:${bead.attempt}` });
      return bead;
    }),
});

/** Adds a cost to the bead's convoy and the town's day (nothing for a bead of no convoy); answers what counted. */
async function reportCost(
  ctx: { env: Env; town: (townId: string) => TownCalls },
  input: { townId: string; rigId: string; beadId: string; cost: number | undefined; reportId?: string },
): Promise<{ counted: boolean; spent: number | null }> {
  if (input.cost === undefined) return { counted: false, spent: null };
  const { convoyId } = unwrap(await rigStub(ctx.env, input.townId, input.rigId).beadConvoy(input.beadId));
  if (!convoyId) return { counted: false, spent: null };
  return ctx.town(input.townId).reportCost({ convoyId, beadId: input.beadId, cost: input.cost, reportId: input.reportId });
}
