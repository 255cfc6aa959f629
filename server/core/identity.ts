import { town } from '../../schema/town';
import { logEvent } from './log';
import type { TownDb } from './town-db';

/** The town id this DO serves, or null before its first call. */
export function storedTownId(db: TownDb): string | null {
  return db.select({ id: town.id }).from(town).get()?.id ?? null;
}

/** Records the town id on first use; a DO is one town for life, so later calls must agree. */
export function claimTown(db: TownDb, townId: string, now: Date): void {
  const stored = storedTownId(db);
  if (stored === null) {
    db.insert(town).values({ id: townId, createdAt: now.toISOString() }).run();
    logEvent('info', 'town.created', { townId });
  } else if (stored !== townId) throw new Error(`TownDO for ${stored} was called as ${townId}`);
}
