import { appendEvent } from '../events/log';
import { logEvent } from '../log';
import { effectiveRouting, getRouting, type RoutingUpdate, type RoutingView, writeRouting } from '../notify/routing';
import type { TownContext } from '../town/context';
import { policyFrom } from './reescalation';
import { rescheduleOpenEscalations } from './reescalation-task';

/**
 * `escalation.setRouting`: writes the town's routing and, when the re-escalation policy (threshold or
 * cap, including a return to the environment default) changed, moves the next bump of every open
 * escalation to match — in one transaction.
 */
export function setRouting(ctx: TownContext, update: RoutingUpdate): RoutingView {
  const rescheduled = ctx.db.transaction(() => {
    const before = policyFrom(effectiveRouting(ctx));
    writeRouting(ctx, update);
    const after = policyFrom(effectiveRouting(ctx));
    const policyChanged = before.staleAfterMs !== after.staleAfterMs || before.maxReEscalations !== after.maxReEscalations;
    const rescheduled = policyChanged ? rescheduleOpenEscalations(ctx, after) : 0;
    // The names of the fields set, never their values (a webhook URL or an address is not for the log).
    appendEvent(ctx, { type: 'routing.changed', data: { fields: Object.keys(update), rescheduled } });
    return rescheduled;
  });
  logEvent('info', 'escalation.routing_set', { townId: ctx.townId, fields: Object.keys(update), rescheduled });
  return getRouting(ctx);
}
