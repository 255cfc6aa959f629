import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import migrations from '../../drizzle/mayor/migrations';
import * as schema from '../../schema/mayor';

export type MayorDb = DrizzleSqliteDODatabase<typeof schema>;

/** What the Mayor's logic modules are given: its database and a clock. */
export interface MayorContext {
  db: MayorDb;
  now: () => Date;
  /** The town (the DO's name), for log lines; null if the id has no name. */
  townId: string | null;
}

/** Opens the MayorDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export async function openMayorDb(storage: DurableObjectStorage): Promise<MayorDb> {
  const db = drizzle(storage, { schema });
  await migrate(db, migrations);
  return db;
}
