import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import migrations from '../../drizzle/town/migrations';
import * as schema from '../../schema/town';

export type TownDb = DrizzleSqliteDODatabase<typeof schema>;

/** Opens the TownDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export async function openTownDb(storage: DurableObjectStorage): Promise<TownDb> {
  const db = drizzle(storage, { schema });
  await migrate(db, migrations);
  return db;
}
