import { town } from '../../schema/town';
import { logEvent } from './log';
import type { TownDb } from './town-db';

// Whom a Durable Object serves. Every DO is reached through a name (`idFromName`): a TownDO and a
// MayorDO by `townId`, a RigDO by `townId/rigId` (rigs/registry.ts rigDoIdFor). A DO that must know
// its town for work it starts itself (an alarm calling back) records it from its first call and
// refuses a call for another (TownDO: the `town` row here; RigDO: its `rig` row); `identityOf` reads
// the name, for log lines, where a missing name (an id rebuilt from a string) costs nothing.

export interface DoIdentity {
  townId: string | null;
  /** Only a RigDO's name carries a rig. */
  rigId: string | null;
}

/** Whom the DO with this id serves, from its name; nulls for an id that carries no name. */
export function identityOf(id: DurableObjectId): DoIdentity {
  const [townId, rigId] = id.name?.split('/') ?? [];
  return { townId: townId || null, rigId: rigId || null };
}

/** The town this TownDO recorded on its first call, or null before it. */
export function recordedTownId(db: TownDb): string | null {
  return db.select({ id: town.id }).from(town).get()?.id ?? null;
}

/** Records the town on first use; a DO is one town for life, so later calls must agree. */
export function recordTown(db: TownDb, townId: string, now: Date): void {
  const stored = recordedTownId(db);
  if (stored === null) {
    db.insert(town).values({ id: townId, createdAt: now.toISOString() }).run();
    logEvent('info', 'town.created', { townId });
  } else if (stored !== townId) throw new Error(`TownDO for ${stored} was called as ${townId}`);
}
