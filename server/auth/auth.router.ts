import { z } from 'zod';
import { access } from './access';
import { TOKEN_TTL_MAX_SECONDS, TOKEN_TTL_MIN_SECONDS } from './tokens';
import { entityId, procedure, router, townInput } from './trpc';

export const TOKEN_LABEL_MAX_CHARS = 128;

export const authRouter = router({
  /** An admin issues `town` (and `rig`) tokens; a `town` token issues `rig` tokens of its town. */
  issueToken: procedure
    .meta(access.town)
    .input(
      townInput.extend({
        role: z.enum(['town', 'rig']),
        rigId: entityId.optional(),
        ttlSeconds: z.number().int().min(TOKEN_TTL_MIN_SECONDS).max(TOKEN_TTL_MAX_SECONDS),
        label: z.string().trim().min(1).max(TOKEN_LABEL_MAX_CHARS).optional(),
      }),
    )
    .mutation(async ({ ctx, input: { townId, ...input } }) => {
      const issuer = ctx.principal.role === 'admin' ? 'admin' : 'town';
      return await ctx.town(townId).issueToken(issuer, input);
    }),
  listTokens: procedure
    .meta(access.town)
    .input(townInput)
    .query(({ ctx, input }) => ctx.town(input.townId).listTokens()),
  revokeToken: procedure
    .meta(access.town)
    .input(townInput.extend({ tokenId: entityId }))
    .mutation(({ ctx, input }) => ctx.town(input.townId).revokeToken(input.tokenId)),
  revokeAll: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(({ ctx, input }) => ctx.town(input.townId).revokeAllTokens()),
});
