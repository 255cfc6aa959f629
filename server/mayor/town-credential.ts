import { TRPCClientError } from '@trpc/client';
import type { Outcome } from '../core/errors';
import { townStub } from '../core/town-stub';

// The MayorDO reads its town through the API like any agent, with a `town` token of its own town (not
// the admin token): a bug or a prompt in the Mayor can then reach no other town. The token is issued
// by the TownDO (so it is listed, and revoked by `auth.revokeAll`), kept in memory, renewed before it
// expires, and re-issued once when the town refuses it.

export const MAYOR_TOKEN_TTL_SECONDS = 3600;
/** Renewed when less than this is left, so a briefing never starts with a token about to expire. */
export const MAYOR_TOKEN_RENEW_BEFORE_MS = 10 * 60 * 1000;

export class TownCredential {
  private held: { token: string; expiresAtMs: number } | null = null;

  constructor(
    private readonly env: Env,
    private readonly townId: string,
  ) {}

  private async token(now: number): Promise<Outcome<string>> {
    if (this.held && this.held.expiresAtMs - now > MAYOR_TOKEN_RENEW_BEFORE_MS) return { ok: true, value: this.held.token };
    const issued = await townStub(this.env, this.townId).issueToken(this.townId, 'mayor', {
      role: 'town',
      ttlSeconds: MAYOR_TOKEN_TTL_SECONDS,
      label: 'mayor',
    });
    if (!issued.ok) return issued;
    this.held = { token: issued.value.token, expiresAtMs: Date.parse(issued.value.expiresAt) };
    return { ok: true, value: issued.value.token };
  }

  /** Runs `read` with the town token; a refused token (revoked meanwhile) is replaced once. */
  async use<T>(read: (token: string) => Promise<T>): Promise<Outcome<T>> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(Date.now());
      if (!token.ok) return token;
      try {
        return { ok: true, value: await read(token.value) };
      } catch (error) {
        const refused = error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED';
        if (!refused || attempt > 0) throw error;
        this.held = null;
      }
    }
  }
}
