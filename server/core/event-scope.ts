import { eq } from 'drizzle-orm';
import { convoyBeads } from '../../schema/town';
import type { TownContext } from './context';

// What a `rig` token may read of the event log: the events of its rig, and of the convoys it holds
// beads of (a convoy's landing, cancel, other rigs' progress). Computed per read from convoy_beads; a
// live stream's scope also learns a convoy from the first event of its own rig that names it (the
// delivery of its beads), so a convoy given to the rig after it subscribed is followed from then on.

export interface RigScope {
  rigId: string;
  convoyIds: Set<string>;
}

export function rigScope({ db }: TownContext, rigId: string): RigScope {
  const rows = db.selectDistinct({ convoyId: convoyBeads.convoyId }).from(convoyBeads).where(eq(convoyBeads.rigId, rigId)).all();
  return { rigId, convoyIds: new Set(rows.map((r) => r.convoyId)) };
}

export function inRigScope(event: { rigId: string | null; convoyId: string | null }, scope: RigScope): boolean {
  if (event.rigId === scope.rigId) {
    if (event.convoyId !== null) scope.convoyIds.add(event.convoyId);
    return true;
  }
  return event.convoyId !== null && scope.convoyIds.has(event.convoyId);
}

/** `filter`, narrowed to what `narrowTo`'s rig may read (null: unchanged, for admin and town tokens). */
export function scopedFilter<F extends object>(ctx: TownContext, filter: F, narrowTo: string | null): F & { scope?: RigScope } {
  return narrowTo === null ? filter : { ...filter, scope: rigScope(ctx, narrowTo) };
}
