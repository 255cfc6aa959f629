import { and, count, desc, eq, gt, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { authTokens } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { logEvent } from '../core/log';
import { DEFAULT_PAGE_SIZE, olderThanCursor, type Page, toPage } from '../core/pagination';
import type { TownDb } from '../core/town-db';
import type { TokenCall } from './access';
import { signingKeyProblem, signToken, type TokenRole } from './token-jwt';

// The town's scoped tokens: issue (sign a JWT, keep its id), list, revoke, and the check the TownDO
// makes on every call that carries a token. The JWT is shown once and never stored.

export const TOKEN_TTL_MIN_SECONDS = 60;
export const TOKEN_TTL_MAX_SECONDS = 30 * 24 * 3600;
/** Live (unexpired, unrevoked) tokens a town may hold, the MayorDO's own not counted: issuing past it is PRECONDITION_FAILED. */
export const TOWN_LIVE_TOKENS_MAX = 1_000;

export interface IssueTokenInput {
  role: TokenRole;
  rigId?: string;
  ttlSeconds: number;
  label?: string;
}

/**
 * Who asks for the token: the admin, a `town` token (only `rig` tokens of its town), or the MayorDO
 * for its own `town` token (as the admin, but not counted in TOWN_LIVE_TOKENS_MAX).
 */
export type Issuer = 'admin' | 'town' | 'mayor';

/** Who asks for a revocation: a `town` token revokes only the town's `rig` tokens (and itself). */
export type Revoker = { role: 'admin' } | { role: 'town'; tokenId: string };

export interface IssuedToken {
  /** The bearer token; this answer is the only place it ever appears. */
  token: string;
  tokenId: string;
  expiresAt: string;
}

/** A token as `auth.listTokens` shows it: never the token itself. */
export interface TokenView {
  tokenId: string;
  role: TokenRole;
  rigId: string | null;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

const view = (row: typeof authTokens.$inferSelect): TokenView => ({
  tokenId: row.id,
  role: row.role,
  rigId: row.rigId,
  label: row.label,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
});

/** `requireRig` throws NOT_FOUND for a rig the town does not have (the facade gives the registry's check). */
export async function issueToken(
  ctx: TownContext,
  issuer: Issuer,
  input: IssueTokenInput,
  requireRig: (rigId: string) => void,
): Promise<IssuedToken> {
  if (issuer === 'town' && input.role !== 'rig') throw new DomainError('FORBIDDEN', 'a town token issues only rig tokens');
  if (input.role === 'rig' && !input.rigId) throw new DomainError('BAD_REQUEST', 'rigId: required for a rig token');
  if (input.role === 'town' && input.rigId) throw new DomainError('BAD_REQUEST', 'rigId: only a rig token names a rig');
  if (input.ttlSeconds < TOKEN_TTL_MIN_SECONDS || input.ttlSeconds > TOKEN_TTL_MAX_SECONDS) {
    throw new DomainError('BAD_REQUEST', `ttlSeconds: must be ${TOKEN_TTL_MIN_SECONDS}–${TOKEN_TTL_MAX_SECONDS}`);
  }
  const problem = signingKeyProblem(ctx.env);
  if (problem) throw new DomainError('PRECONDITION_FAILED', problem);
  if (input.rigId) requireRig(input.rigId);
  const now = ctx.now();
  if (issuer !== 'mayor' && liveTokenCount(ctx, iso(now)) >= TOWN_LIVE_TOKENS_MAX) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `the town holds ${TOWN_LIVE_TOKENS_MAX} live tokens, the most it may: revoke some (auth.revokeToken) or let them expire`,
    );
  }
  const exp = Math.floor(now.getTime() / 1000) + input.ttlSeconds;
  const tokenId = crypto.randomUUID();
  const rigId = input.rigId ?? null;
  const token = await signToken(ctx.env.TOKEN_SIGNING_KEY ?? '', { townId: ctx.townId, role: input.role, rigId, jti: tokenId, exp });
  const expiresAt = iso(new Date(exp * 1000));
  ctx.db.transaction((tx) => {
    // Expired rows are dead weight: a JWT past `exp` is refused before its row is ever read.
    tx.delete(authTokens)
      .where(lt(authTokens.expiresAt, iso(now)))
      .run();
    tx.insert(authTokens)
      .values({ id: tokenId, role: input.role, rigId, label: input.label ?? null, createdAt: iso(now), expiresAt, issuedBy: issuer })
      .run();
  });
  logEvent('info', 'auth.token_issued', { townId: ctx.townId, tokenId, role: input.role, rigId, expiresAt });
  return { token, tokenId, expiresAt };
}

/** Unexpired, unrevoked tokens of the town, the MayorDO's own not counted. */
function liveTokenCount({ db }: TownContext, now: string): number {
  const live = and(
    isNull(authTokens.revokedAt),
    gt(authTokens.expiresAt, now),
    or(isNull(authTokens.issuedBy), ne(authTokens.issuedBy, 'mayor')),
  );
  return db.select({ n: count() }).from(authTokens).where(live).get()?.n ?? 0;
}

/** Every token of the town not yet expired, newest first, a page at a time (`{items, nextCursor}`). */
export function listTokens(ctx: TownContext, input: { limit?: number; cursor?: string } = {}): Page<TokenView> {
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  const rows = ctx.db
    .select()
    .from(authTokens)
    .where(and(gt(authTokens.expiresAt, iso(ctx.now())), olderThanCursor(authTokens.createdAt, authTokens.id, input.cursor)))
    .orderBy(desc(authTokens.createdAt), desc(authTokens.id))
    .limit(limit + 1)
    .all();
  return toPage(rows, limit, (row) => ({ at: row.createdAt, id: row.id }), view);
}

/**
 * Idempotent: revoking a revoked token keeps its first `revokedAt`. A `town` token revokes only the
 * town's `rig` tokens and itself (FORBIDDEN otherwise, decided before anything is written).
 */
export function revokeToken(ctx: TownContext, revoker: Revoker, tokenId: string): TokenView {
  const row = ctx.db.select().from(authTokens).where(eq(authTokens.id, tokenId)).get();
  if (!row) throw notFound('token', tokenId);
  if (revoker.role === 'town' && row.role !== 'rig' && row.id !== revoker.tokenId) {
    throw new DomainError('FORBIDDEN', 'a town token revokes only rig tokens');
  }
  if (row.revokedAt) return view(row);
  const revokedAt = iso(ctx.now());
  ctx.db.update(authTokens).set({ revokedAt }).where(eq(authTokens.id, tokenId)).run();
  logEvent('info', 'auth.token_revoked', { townId: ctx.townId, tokenId, role: row.role, rigId: row.rigId });
  return view({ ...row, revokedAt });
}

function revokeWhere(ctx: TownContext, which: SQL | undefined): number {
  return ctx.db
    .update(authTokens)
    .set({ revokedAt: iso(ctx.now()) })
    .where(and(isNull(authTokens.revokedAt), which))
    .returning({ id: authTokens.id })
    .all().length;
}

/**
 * The admin's: every token of the town, `town` and `rig` alike. A `town` token's: the town's `rig`
 * tokens and itself (it revokes no other `town` token).
 */
export function revokeAll(ctx: TownContext, revoker: Revoker): { revoked: number } {
  const which = revoker.role === 'admin' ? undefined : or(eq(authTokens.role, 'rig'), eq(authTokens.id, revoker.tokenId));
  const revoked = revokeWhere(ctx, which);
  logEvent('info', 'auth.tokens_revoked_all', { townId: ctx.townId, revoked });
  return { revoked };
}

/** `rig.remove` revokes the removed rig's tokens, in the transaction that removes it. */
export function revokeRigTokens(ctx: TownContext, rigId: string): void {
  const revoked = revokeWhere(ctx, eq(authTokens.rigId, rigId));
  if (revoked > 0) logEvent('info', 'auth.rig_tokens_revoked', { townId: ctx.townId, rigId, revoked });
}

/**
 * The check inside every TownDO call made with a scoped token: its row exists in this town (the DO's
 * town is the claims' town), is not revoked, and holds the role and rig the claims say. The signature
 * and `exp` were checked by the Worker; this is what they cannot know, and it binds a token to what was
 * issued: claims forged around a known `jti` (a leaked key) get no wider role or another rig.
 */
export function tokenIsLive(db: TownDb, townOfThisDo: string | null, call: TokenCall): boolean {
  if (townOfThisDo !== call.townId) return false;
  // A template, not the builder: every call made with a scoped token runs it (server/core/sql-row.ts says why).
  const row = db.get<{ revokedAt: string | null; role: string; rigId: string | null } | undefined>(
    sql`select revoked_at as revokedAt, role, rig_id as rigId from auth_tokens where id = ${call.tokenId}`,
  );
  return row !== undefined && row.revokedAt === null && row.role === call.role && row.rigId === call.rigId;
}
