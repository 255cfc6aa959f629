import type { TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { ensureSigningSecret } from '../notify/signing-secrets';
import { policyFrom } from './reescalation';
import { rescheduleOpenEscalations } from './reescalation-task';
import { effectiveRouting, getRouting, type RoutingUpdate, type RoutingView, writeRouting } from './routing';

/**
 * `escalation.setRouting`: writes the town's routing and, when the re-escalation policy (threshold or
 * cap, including a return to the environment default) changed, moves the next bump of every open
 * escalation to match — in one transaction. The town's first webhook URL also creates its signing
 * secret, returned in this answer (`signingSecret`) and never again.
 */
export function setRouting(ctx: TownContext, update: RoutingUpdate): RoutingView & { signingSecret?: string } {
  let signingSecret: string | null = null;
  const rescheduled = ctx.db.transaction(() => {
    const before = policyFrom(effectiveRouting(ctx));
    writeRouting(ctx, update);
    // The town's first webhook URL creates its signing secret, shown in this answer only.
    if (update.webhookUrl) signingSecret = ensureSigningSecret(ctx);
    const after = policyFrom(effectiveRouting(ctx));
    const policyChanged = before.staleAfterMs !== after.staleAfterMs || before.maxReEscalations !== after.maxReEscalations;
    const rescheduled = policyChanged ? rescheduleOpenEscalations(ctx, after) : 0;
    // The names of the fields set, never their values (a webhook URL or an address is not for the log).
    appendEvent(ctx, { type: 'routing.changed', data: { fields: Object.keys(update), rescheduled } });
    return rescheduled;
  });
  logEvent('info', 'escalation.routing_set', { townId: ctx.townId, fields: Object.keys(update), rescheduled });
  return signingSecret ? { ...getRouting(ctx), signingSecret } : getRouting(ctx);
}
