import type { TownContext } from './context';
import type { EventType } from './event-shape';
import { convoysOf } from './rig-membership';

// What a `rig` token may read of the event log: the events of its rig, and of the convoys it takes part
// in (holds beads of: a convoy's landing, cancel, other rigs' progress). Computed per read from the
// convoys' per-rig progress (rig-membership.ts); a live stream's scope also learns a convoy from an
// event that proves its rig takes part (the delivery or close of its beads), so a convoy given to the
// rig after it subscribed is followed from then on. Any other event of its own rig naming a convoy (an
// escalation it raised) widens nothing: a rig cannot widen its own scope.

export interface RigScope {
  rigId: string;
  convoyIds: Set<string>;
}

export function rigScope({ db }: TownContext, rigId: string): RigScope {
  return { rigId, convoyIds: convoysOf(db, rigId) };
}

/** Events of a rig that prove it takes part in the convoy they name. */
const MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set<EventType>(['convoy.beads_delivered', 'convoy.bead_closed']);

export function inRigScope(event: { type: string; rigId: string | null; convoyId: string | null }, scope: RigScope): boolean {
  if (event.rigId === scope.rigId) {
    if (event.convoyId !== null && MEMBERSHIP_EVENTS.has(event.type)) scope.convoyIds.add(event.convoyId);
    return true;
  }
  return event.convoyId !== null && scope.convoyIds.has(event.convoyId);
}

/** `filter`, narrowed to what `narrowTo`'s rig may read (null: unchanged, for admin and town tokens). */
export function scopedFilter<F extends object>(ctx: TownContext, filter: F, narrowTo: string | null): F & { scope?: RigScope } {
  return narrowTo === null ? filter : { ...filter, scope: rigScope(ctx, narrowTo) };
}
