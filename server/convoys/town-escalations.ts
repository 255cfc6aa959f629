import { and, eq, isNull } from 'drizzle-orm';
import { escalations } from '../../schema/town';
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
  const open = ctx.db
    .select({ id: escalations.id })
    .from(escalations)
    .where(and(eq(escalations.dedupKey, dedupKey), eq(escalations.sourceRigId, TOWN_SOURCE), isNull(escalations.resolvedAt)))
    .get();
  if (!open) return false;
  resolveEscalation(ctx, { escalationId: open.id, by: TOWN_SOURCE, reason });
  return true;
}
