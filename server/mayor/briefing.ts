import type { TownClient } from '../../client/index';
import type { Convoy } from '../convoys/views';
import type { Escalation } from '../escalations/shape';
import type { Rig } from '../rigs/registry';
import type { HealthRecord } from '../watchdog/health-records';
import type { Mail } from './mailbox';

// What the Mayor agent (and the UI) needs to know about its town, in one answer. The town's state is
// read through the typed client, like any other consumer of the API.

// The shapes are the domain's own (not inferred from the client), so the router's type does not
// depend on itself through this procedure.

/** How many of each list a briefing carries at most (the newest); `more` says when there were more. */
export const BRIEFING_LIST_LIMIT = 50;

export interface Briefing {
  townId: string;
  generatedAt: string;
  rigs: (Rig & { health: HealthRecord | null })[];
  container: HealthRecord | null;
  nextHeartbeatAt: string | null;
  /** Each with its per-rig progress (`rigs`), so the Mayor sees which rig holds a convoy back. */
  activeConvoys: { items: (Convoy & { progress: number })[]; more: boolean };
  unacknowledgedEscalations: { items: Escalation[]; more: boolean };
  unreadMail: { items: Mail[]; more: boolean };
}

export async function buildBriefing(
  town: TownClient,
  townId: string,
  unreadMail: { items: Mail[]; nextCursor: string | null },
  now: Date,
): Promise<Briefing> {
  const [rigs, watchdog, convoys, escalations] = await Promise.all([
    town.rig.list.query({ townId }),
    town.watchdog.status.query({ townId }),
    town.convoy.list.query({ townId, status: 'active', limit: BRIEFING_LIST_LIMIT }),
    town.escalation.list.query({ townId, status: 'open', limit: BRIEFING_LIST_LIMIT }),
  ]);
  const health = new Map(watchdog.targets.map((t) => [t.target, t]));
  return {
    townId,
    generatedAt: now.toISOString(),
    rigs: rigs.map((rig) => ({ ...rig, health: health.get(rig.id) ?? null })),
    container: watchdog.targets.find((t) => t.kind === 'container') ?? null,
    nextHeartbeatAt: watchdog.nextHeartbeatAt,
    activeConvoys: {
      items: convoys.items.map((c) => ({ ...c, progress: c.totalBeads === 0 ? 0 : c.closedBeads / c.totalBeads })),
      more: convoys.nextCursor !== null,
    },
    unacknowledgedEscalations: { items: escalations.items, more: escalations.nextCursor !== null },
    unreadMail: { items: unreadMail.items, more: unreadMail.nextCursor !== null },
  };
}
