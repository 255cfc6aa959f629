import { z } from 'zod';
import { access } from '../auth/access';
import { procedure, router, townInput } from '../auth/trpc';

export const MAX_RETENTION_DAYS = 3650;
export const MIN_STORAGE_BUDGET_BYTES = 1024 ** 2;
export const MAX_STORAGE_BUDGET_BYTES = 10 * 1024 ** 3;

const retentionDays = z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().optional();

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
      }),
    )
    .mutation(({ ctx, input: { townId, ...update } }) => ctx.town(townId).setSettings(update)),
  stats: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).stats()),
});
