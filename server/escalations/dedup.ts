import { and, eq, isNull } from 'drizzle-orm';
import { escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import type { Channel } from '../notify/channel';
import { appendEscalationEvent } from './escalation-notify';
import { routeEscalation } from './grouping';
import { scheduleReEscalation } from './reescalation-task';
import { SEVERITIES, type Severity } from './severity';
import { type Escalation, type EscalationRow, toEscalation } from './shape';

// Dedup keys (PagerDuty's dedup_key, scoped per service as PagerDuty scopes it): while an unresolved
// escalation of a source holds a key, a raise from that same source with that key is a repeat of it: counted (`occurrences`, `lastSeenAt`) and told to nobody again, unless it comes at
// a higher severity, which upgrades the escalation and routes it once at the new severity. The partial
// unique index `escalations_source_open_dedup_key_unique` guarantees one unresolved escalation per
// (source, key); another rig's key is invisible here, so no answer depends on what another rig holds; raises
// run synchronously inside the DO, so concurrent repeats are counted one by one, exactly.

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

/** The unresolved escalation of `sourceRigId` holding `dedupKey`, if any. */
export function openByDedupKey({ db }: TownContext, sourceRigId: string, dedupKey: string): EscalationRow | undefined {
  return db
    .select()
    .from(escalations)
    .where(and(eq(escalations.sourceRigId, sourceRigId), eq(escalations.dedupKey, dedupKey), isNull(escalations.resolvedAt)))
    .get();
}

/** Folds a raise into the open escalation holding its key. Call inside the raise's transaction. */
export function repeatRaise(
  ctx: TownContext,
  open: EscalationRow,
  severity: Severity,
): { escalation: Escalation; routedTo: Channel[]; deduplicated: true } {
  const upgrade = rank(severity) > rank(open.severity);
  const updated = ctx.db
    .update(escalations)
    .set({
      occurrences: open.occurrences + 1,
      lastSeenAt: iso(ctx.now()),
      ...(upgrade && { severity }),
    })
    .where(eq(escalations.id, open.id))
    .returning()
    .get();
  if (!updated) throw new Error(`escalation ${open.id} vanished while counting a repeat`);
  appendEscalationEvent(ctx, updated, 'escalation.deduplicated', {
    occurrences: updated.occurrences,
    severity: updated.severity,
    upgradedFrom: upgrade ? open.severity : null,
  });
  let routedTo: Channel[] = [];
  if (upgrade) {
    routedTo = routeEscalation(ctx, updated, 'escalation.upgraded', { previousSeverity: open.severity });
    scheduleReEscalation(ctx, updated);
  }
  logEvent('info', 'escalation.deduplicated', {
    townId: ctx.townId,
    escalationId: updated.id,
    dedupKey: updated.dedupKey,
    occurrences: updated.occurrences,
    severity: updated.severity,
    upgradedFrom: upgrade ? open.severity : null,
  });
  return { escalation: toEscalation(updated), routedTo, deduplicated: true };
}
