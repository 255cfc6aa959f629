import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import migrations from '../../drizzle/mayor/migrations';
import * as schema from '../../schema/mayor';
import { openDatabase } from '../core/do-database';

export type MayorDb = DrizzleSqliteDODatabase<typeof schema>;

/** What the Mayor's logic modules are given: its database and a clock. */
export interface MayorContext {
  db: MayorDb;
  now: () => Date;
  /** The town (the DO's name), for log lines; null if the id has no name. */
  townId: string | null;
}

/** Opens the MayorDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export const openMayorDb = (storage: DurableObjectStorage): Promise<MayorDb> => openDatabase(storage, schema, migrations);
