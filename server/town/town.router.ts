import { z } from 'zod';
import { access, callerName } from '../auth/access';
import { procedure, router, townInput } from '../auth/trpc';
import { PAUSE_REASON_MAX_CHARS } from '../convoys/pauses';

export const MAX_RETENTION_DAYS = 3650;
export const MIN_STORAGE_BUDGET_BYTES = 1024 ** 2;
export const MAX_STORAGE_BUDGET_BYTES = 10 * 1024 ** 3;

export const BREAKER_FAILURES_MIN = 1;
export const BREAKER_FAILURES_MAX = 100;
export const BREAKER_WINDOW_MINUTES_MAX = 1440;
export const BREAKER_COOLDOWN_MINUTES_MAX = 240;
export const STRANDED_AFTER_MINUTES_MAX = 10_080;
export const AGING_MINUTES_MAX = 10_080;
/** A cost unit is a short label (`usd`, `eur`, `credits`, `tokens_k`): lowercase letters, digits, `_` and `-`. */
export const COST_UNIT_MAX_CHARS = 16;
const COST_UNIT_PATTERN = /^[a-z0-9_-]+$/;

const retentionDays = z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().optional();
const minutes = (max: number) => z.number().int().min(1).max(max).nullable().optional();

export const townRouter = router({
  settings: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).getSettings()),
  setSettings: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        eventRetentionDays: retentionDays,
        convoyRetentionDays: retentionDays,
        outboxRetentionDays: retentionDays,
        storageBudgetBytes: z.number().int().min(MIN_STORAGE_BUDGET_BYTES).max(MAX_STORAGE_BUDGET_BYTES).nullable().optional(),
        breakerFailures: z.number().int().min(BREAKER_FAILURES_MIN).max(BREAKER_FAILURES_MAX).nullable().optional(),
        breakerWindowMinutes: minutes(BREAKER_WINDOW_MINUTES_MAX),
        breakerCooldownMinutes: minutes(BREAKER_COOLDOWN_MINUTES_MAX),
        strandedAfterMinutes: minutes(STRANDED_AFTER_MINUTES_MAX),
        dailyBudget: z.number().positive().max(1e12).nullable().optional(),
        agingMinutes: minutes(AGING_MINUTES_MAX),
        costUnit: z.string().min(1).max(COST_UNIT_MAX_CHARS).regex(COST_UNIT_PATTERN).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input: { townId, ...update } }) => ctx.town(townId).setSettings(update)),
  // The emergency stop: no claim anywhere in the town answers a bead until town.resume.
  pause: procedure
    .meta(access.town)
    .input(townInput.extend({ reason: z.string().trim().min(1).max(PAUSE_REASON_MAX_CHARS) }))
    .mutation(({ ctx, input: { townId, reason } }) =>
      ctx.town(townId).pauseTown({ cause: 'manual', reason, by: callerName(ctx.principal) }, true),
    ),
  resume: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(({ ctx, input: { townId } }) =>
      ctx.town(townId).pauseTown({ cause: 'manual', reason: 'resumed', by: callerName(ctx.principal) }, false),
    ),
  // For agents and the dashboard to poll: O(1) rows, any token of the town.
  status: procedure
    .meta(access.rigNarrowed)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).townStatus()),
  stats: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).stats()),
});
