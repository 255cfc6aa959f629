import type { TownClient } from '../../client/index';
import type { TownStatus } from '../convoys/pause-switches';
import type { Pause } from '../convoys/pauses';
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
const STRANDED_KEY_PREFIX = 'convoy-stranded:';

export interface Briefing {
  townId: string;
  generatedAt: string;
  rigs: (Rig & { health: HealthRecord | null })[];
  container: HealthRecord | null;
  nextHeartbeatAt: string | null;
  /** Each with its per-rig progress (`rigs`), so the Mayor sees which rig holds a convoy back. */
  activeConvoys: { items: (Convoy & { progress: number })[]; more: boolean };
  /** Convoys that ended with failed beads, waiting for convoy.retryFailed (or more beads). */
  failedConvoys: { items: Convoy[]; more: boolean };
  /** Active convoys with open beads and no progress for strandedAfterMinutes (their open escalations). */
  strandedConvoys: { convoyId: string; title: string | null; escalationId: string; since: string }[];
  /** Rigs whose breaker is open or half-open: claims there are refused. */
  openBreakers: { rigId: string; name: string; state: 'open' | 'half_open'; openedAt: string | null; reopensAt: string | null }[];
  /** The town's pause (the emergency stop: no claim answers a bead while it lasts). */
  townPause: TownStatus;
  /** Active convoys paused (by hand or by their budget): their beads are not claimed. */
  pausedConvoys: { convoyId: string; title: string; pausedAt: string | null; pauseReason: string | null; pauses: Pause[] }[];
  unacknowledgedEscalations: { items: Escalation[]; more: boolean };
  unreadMail: { items: Mail[]; more: boolean };
}

export async function buildBriefing(
  town: TownClient,
  townId: string,
  unreadMail: { items: Mail[]; nextCursor: string | null },
  now: Date,
): Promise<Briefing> {
  const [rigs, watchdog, convoys, failed, escalations, townPause] = await Promise.all([
    town.rig.list.query({ townId }),
    town.watchdog.status.query({ townId }),
    town.convoy.list.query({ townId, status: 'active', limit: BRIEFING_LIST_LIMIT }),
    town.convoy.list.query({ townId, status: 'failed', limit: BRIEFING_LIST_LIMIT }),
    town.escalation.list.query({ townId, status: 'open', limit: BRIEFING_LIST_LIMIT }),
    town.town.status.query({ townId }),
  ]);
  const health = new Map(watchdog.targets.map((t) => [t.target, t]));
  const titles = new Map(convoys.items.map((c) => [c.id, c.title]));
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
    failedConvoys: { items: failed.items, more: failed.nextCursor !== null },
    strandedConvoys: escalations.items.flatMap((e) =>
      e.sourceRigId === 'town' && e.dedupKey?.startsWith(STRANDED_KEY_PREFIX) && e.convoyId
        ? [{ convoyId: e.convoyId, title: titles.get(e.convoyId) ?? null, escalationId: e.id, since: e.createdAt }]
        : [],
    ),
    openBreakers: rigs.flatMap((r) =>
      r.breaker.state === 'closed'
        ? []
        : [{ rigId: r.id, name: r.name, state: r.breaker.state, openedAt: r.breaker.openedAt, reopensAt: r.breaker.reopensAt }],
    ),
    townPause,
    pausedConvoys: convoys.items.flatMap((c) =>
      c.pauses.length === 0 ? [] : [{ convoyId: c.id, title: c.title, pausedAt: c.pausedAt, pauseReason: c.pauseReason, pauses: c.pauses }],
    ),
    unacknowledgedEscalations: { items: escalations.items, more: escalations.nextCursor !== null },
    unreadMail: { items: unreadMail.items, more: unreadMail.nextCursor !== null },
  };
}
