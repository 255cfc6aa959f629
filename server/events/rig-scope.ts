import { eq } from 'drizzle-orm';
import { convoyBeads } from '../../schema/town';
import type { TownContext } from '../town/context';

// What a `rig` token may read of the event log: the events of its rig, and of the convoys it holds
// beads of (a convoy's landing, cancel, other rigs' progress). Computed per read from convoy_beads.

export interface RigScope {
  rigId: string;
  convoyIds: ReadonlySet<string>;
}

export function rigScope({ db }: TownContext, rigId: string): RigScope {
  const rows = db.selectDistinct({ convoyId: convoyBeads.convoyId }).from(convoyBeads).where(eq(convoyBeads.rigId, rigId)).all();
  return { rigId, convoyIds: new Set(rows.map((r) => r.convoyId)) };
}

export function inRigScope(event: { rigId: string | null; convoyId: string | null }, scope: RigScope): boolean {
  return event.rigId === scope.rigId || (event.convoyId !== null && scope.convoyIds.has(event.convoyId));
}

/** `filter`, narrowed to what `narrowTo`'s rig may read (null: unchanged, for admin and town tokens). */
export function scopedFilter<F extends object>(ctx: TownContext, filter: F, narrowTo: string | null): F & { scope?: RigScope } {
  return narrowTo === null ? filter : { ...filter, scope: rigScope(ctx, narrowTo) };
}
