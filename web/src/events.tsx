import type { TownEvent } from './api';
import { Time } from './sections';

export interface Names {
  rigs: Map<string, string>;
  convoys: Map<string, string>;
}

const num = (value: unknown): string => (typeof value === 'number' ? String(value) : '?');
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const beads = (value: unknown): string => (value === 1 ? '1 bead' : `${num(value)} beads`);

/** One line a person can read for an event (its `data` holds counts and states only, see docs/events.md). */
export function describeEvent(event: TownEvent, names: Names): string {
  const d = event.data as Record<string, unknown>;
  const rig = event.rigId ? names.rigs.get(event.rigId) || str(d.name) || event.rigId : '';
  const convoy = event.convoyId ? `“${names.convoys.get(event.convoyId) ?? event.convoyId}”` : '';
  switch (event.type) {
    case 'rig.registered':
      return `Rig ${str(d.name) || rig} registered`;
    case 'rig.removed':
      return `Rig ${str(d.name) || rig} removed`;
    case 'convoy.created':
      return `Convoy ${convoy} created with ${beads(d.totalBeads)}`;
    case 'convoy.beads_added':
      return `${beads(d.added)} added to ${convoy} (${num(d.totalBeads)} in all)`;
    case 'convoy.beads_delivered':
      return `${beads(d.sent)} of ${convoy} delivered to ${rig}`;
    case 'convoy.bead_closed':
      return `Bead closed in ${rig}: ${convoy} ${num(d.closedBeads)}/${num(d.totalBeads)}${d.outcome && d.outcome !== 'done' ? ` (${str(d.outcome)})` : ''}`;
    case 'convoy.landed':
      return `Convoy ${convoy} landed (${beads(d.totalBeads)})`;
    case 'convoy.failed':
      return `Convoy ${convoy} failed (${num(d.failedBeads)} of ${beads(d.totalBeads)} failed)`;
    case 'convoy.retried':
      return `Convoy ${convoy}: ${beads(d.reopened)} retried`;
    case 'convoy.stranded':
      return `Convoy ${convoy} stranded (${beads(d.openBeads)} open, no progress)`;
    case 'bead.claimed':
      return `${str(d.agentId)} claimed a bead of ${convoy} in ${rig} (attempt ${num(d.attempt)})`;
    case 'bead.released':
      return `${str(d.agentId)} released a bead of ${convoy} in ${rig}`;
    case 'bead.lease_expired':
      return `A lease ran out on a bead of ${convoy} in ${rig} (attempt ${num(d.attempt)})`;
    case 'bead.attempt_failed':
      return `Attempt ${num(d.attempt)} failed on a bead of ${convoy} in ${rig}${d.final ? ' (final)' : ''}`;
    case 'rig.breaker_opened':
      return `Breaker of ${rig} opened`;
    case 'rig.breaker_closed':
      return `Breaker of ${rig} closed (${str(d.why)})`;
    case 'convoy.reopened':
      return `Convoy ${convoy} reopened (${num(d.closedBeads)}/${num(d.totalBeads)})`;
    case 'convoy.cancelled':
      return `Convoy ${convoy} cancelled at ${num(d.closedBeads)}/${num(d.totalBeads)}`;
    case 'escalation.raised':
      return `Escalation raised (${str(d.severity)})${rig ? ` by ${rig}` : ''}`;
    case 'escalation.reescalated':
      return `Escalation re-escalated to ${str(d.severity)}`;
    case 'escalation.acknowledged':
      return 'Escalation acknowledged';
    case 'watchdog.failing':
      return `Watchdog: ${rig || str(d.target)} failing (${num(d.consecutiveFailures)}×)`;
    case 'watchdog.escalated':
      return `Watchdog: ${rig || str(d.target)} escalated`;
    case 'watchdog.recovered':
      return `Watchdog: ${rig || str(d.target)} recovered`;
    case 'routing.changed':
      return 'Escalation routing changed';
    case 'notification.delivered':
      return `Notification ${str(d.type)} delivered by ${str(d.channel)}`;
    case 'notification.failed':
      return `Notification ${str(d.type)} failed by ${str(d.channel)}`;
    default:
      return event.type;
  }
}

/** The most recent events, newest first. */
export function EventFeed({ events, names, empty }: { events: TownEvent[]; names: Names; empty: string }) {
  if (events.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ol class="events">
      {events.map((event) => (
        <li key={event.id} data-event-type={event.type}>
          <Time iso={event.at} /> <span>{describeEvent(event, names)}</span>
        </li>
      ))}
    </ol>
  );
}
