import { sql } from 'drizzle-orm';
import type { TownContext } from '../core/context';
import { raiseEscalation } from '../escalations/escalations';
import { resolveEscalation } from '../escalations/lifecycle';
import type { Severity } from '../escalations/severity';

// The escalations the town raises about itself (failed and stranded convoys, open breakers) carry the
// reserved source `sourceRigId: "town"`: no rig can fold into them or pre-empt their keys (dedup keys
// are unique per source with tenancy).

export const TOWN_SOURCE = 'town';

export const convoyFailedKey = (convoyId: string) => `convoy-failed:${convoyId}`;
export const convoyStrandedKey = (convoyId: string) => `convoy-stranded:${convoyId}`;
export const breakerKey = (rigId: string) => `breaker:${rigId}`;

export function raiseTownEscalation(
  ctx: TownContext,
  input: { dedupKey: string; severity: Severity; category: string; message: string; convoyId?: string },
) {
  return raiseEscalation(ctx, { sourceRigId: TOWN_SOURCE, ...input });
}

/** Resolves the town's open escalation holding `dedupKey`, if any. Inside the caller's transaction. */
export function resolveTownEscalation(ctx: TownContext, dedupKey: string, reason: string): boolean {
  // A template, not the builder: every close asks (server/core/sql-row.ts says why).
  const open = ctx.db.get<{ id: string } | undefined>(
    sql`select id from escalations where dedup_key = ${dedupKey} and source_rig_id = ${TOWN_SOURCE} and resolved_at is null`,
  );
  if (!open) return false;
  resolveEscalation(ctx, { escalationId: open.id, by: TOWN_SOURCE, reason });
  return true;
}
