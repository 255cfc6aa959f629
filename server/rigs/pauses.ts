import { sql } from 'drizzle-orm';
import { rigPauses } from '../../schema/rig';
import type { RigContext } from './rig-context';

// What the town told this rig of pauses (server/convoys/pauses.ts): the town's and each convoy's. A claim
// answers `town_paused` while the town is paused and skips a paused convoy's beads; a lease that runs out
// while its convoy or the town is paused gives the bead back without counting an attempt.

export const TOWN_SCOPE = 'town';

/** The town's message: the scope's state at `version`; an older version than the one kept changes nothing. */
export function setPaused(ctx: RigContext, scope: string, paused: boolean, version: number): { paused: boolean } {
  ctx.db
    .insert(rigPauses)
    .values({ scope, paused, version })
    .onConflictDoUpdate({
      target: rigPauses.scope,
      set: { paused: sql`excluded.paused`, version: sql`excluded.version` },
      setWhere: sql`excluded.version > ${rigPauses.version}`,
    })
    .run();
  return { paused: isPaused(ctx, scope) };
}

// Looked up in the index of the scopes paused now: a scope never paused, or resumed, reads no row.
function isPaused({ db }: RigContext, scope: string): boolean {
  return (
    db.get<{ one: number } | undefined>(
      sql`select 1 as one from pauses indexed by pauses_active_idx where scope = ${scope} and paused = 1`,
    ) !== undefined
  );
}

/** Claims answer `town_paused`: as the town told this rig, or as the claim's town call just read. */
export const claimsPaused = (ctx: RigContext, townPausedNow = false): boolean => townPausedNow || isPaused(ctx, TOWN_SCOPE);

/** Whether a lease of a bead of `convoyId` that runs out now is forgiven (town or convoy paused). */
export const leaseForgiven = (ctx: RigContext, convoyId: string | null): boolean =>
  isPaused(ctx, TOWN_SCOPE) || (convoyId !== null && isPaused(ctx, convoyId));

/** The claim queue's filter: no bead of a convoy the town paused (one probe of the paused scopes per bead looked at). */
export const notPausedBead = sql`not exists (select 1 from pauses p indexed by pauses_active_idx where p.scope = beads.convoy_id and p.paused = 1)`;
