import type { JsonObject } from '../../schema/json';

// The wire shape of an event, and its id: the row's `seq` zero-padded to 16 digits, so ids compare
// the same as strings and as numbers, and one id names an event everywhere (the log, the stream, the
// webhook's `webhook-id`, the Mayor mail's id).

/** Every type the town writes; docs/events.md ("The event log") lists what each means. */
export const EVENT_TYPES = [
  'rig.registered',
  'rig.removed',
  'rig.breaker_opened',
  'rig.breaker_closed',
  'bead.claimed',
  'bead.released',
  'bead.lease_expired',
  'bead.attempt_failed',
  'convoy.created',
  'convoy.beads_added',
  'convoy.beads_delivered',
  'convoy.bead_closed',
  'convoy.landed',
  'convoy.failed',
  'convoy.retried',
  'convoy.stranded',
  'convoy.reopened',
  'convoy.cancelled',
  'convoy.due_set',
  'convoy.priority_set',
  'convoy.at_risk',
  'convoy.watched',
  'convoy.unwatched',
  'convoy.paused',
  'convoy.resumed',
  'town.paused',
  'town.resumed',
  'escalation.raised',
  'escalation.reescalated',
  'escalation.acknowledged',
  'escalation.deduplicated',
  'escalation.upgraded',
  'escalation.resumed',
  'escalation.resolved',
  'escalation.grouped',
  'escalation.silenced',
  'escalation.unsilenced',
  'escalation.silence_expired',
  'watchdog.failing',
  'watchdog.escalated',
  'watchdog.recovered',
  'routing.changed',
  'notification.delivered',
  'notification.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface TownEvent {
  /** A cursor: strictly increasing in commit order within the town. */
  id: string;
  type: EventType;
  at: string;
  rigId: string | null;
  convoyId: string | null;
  beadId: string | null;
  escalationId: string | null;
  data: JsonObject;
}

const EVENT_ID_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits
const EVENT_ID_PATTERN = /^\d{1,16}$/;

export const eventIdOf = (seq: number): string => String(seq).padStart(EVENT_ID_DIGITS, '0');

/** The `seq` an event id names, or null if the string is not an event id. */
export function seqOf(id: string): number | null {
  if (!EVENT_ID_PATTERN.test(id)) return null;
  const seq = Number(id);
  return Number.isSafeInteger(seq) ? seq : null;
}
