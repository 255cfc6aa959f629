import { z } from 'zod';
import { pageInput } from '../core/pagination';
import { access, type Principal } from './access';
import { type Revoker, TOKEN_TTL_MAX_SECONDS, TOKEN_TTL_MIN_SECONDS } from './tokens';
import { entityId, procedure, router, townInput } from './trpc';

export const TOKEN_LABEL_MAX_CHARS = 128;

/** Procedures declaring `access.town` see only the admin and `town` tokens. */
const revoker = (principal: Principal): Revoker =>
  principal.role === 'town' ? { role: 'town', tokenId: principal.tokenId } : { role: 'admin' };

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
    .input(townInput.extend(pageInput))
    .query(({ ctx, input: { townId, ...page } }) => ctx.town(townId).listTokens(page)),
  /** The admin revokes any token of the town; a `town` token only its `rig` tokens (and itself). */
  revokeToken: procedure
    .meta(access.town)
    .input(townInput.extend({ tokenId: entityId }))
    .mutation(({ ctx, input }) => ctx.town(input.townId).revokeToken(revoker(ctx.principal), input.tokenId)),
  revokeAll: procedure
    .meta(access.town)
    .input(townInput)
    .mutation(({ ctx, input }) => ctx.town(input.townId).revokeAllTokens(revoker(ctx.principal))),
});
