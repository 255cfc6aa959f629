import type { TownDb } from './town-db';

/** What the town's logic modules are given: the database, the bindings, the town, and a clock. */
export interface TownContext {
  db: TownDb;
  env: Env;
  townId: string;
  now: () => Date;
  /** Called by appendEvent; the TownDO pushes what committed to live subscribers once the transaction is over. */
  eventAppended?: () => void;
}

export const iso = (date: Date) => date.toISOString();
