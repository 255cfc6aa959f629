import { z } from 'zod';
import { access } from '../auth/access';
import { procedure, router, townInput } from '../auth/trpc';
import { unwrap } from '../core/errors';
import { townStub } from '../core/town-stub';

export const MAX_RETENTION_DAYS = 3650;
export const MIN_STORAGE_BUDGET_BYTES = 1024 ** 2;
export const MAX_STORAGE_BUDGET_BYTES = 10 * 1024 ** 3;

const retentionDays = z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().optional();

export const townRouter = router({
  settings: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).getSettings(ctx.caller(input.townId)))),
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
    .mutation(async ({ ctx, input: { townId, ...update } }) =>
      unwrap(await townStub(ctx.env, townId).setSettings(ctx.caller(townId), update)),
    ),
  stats: procedure
    .meta(access.town)
    .input(townInput)
    .query(async ({ ctx, input }) => unwrap(await townStub(ctx.env, input.townId).stats(ctx.caller(input.townId)))),
});
