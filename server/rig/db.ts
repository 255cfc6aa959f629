import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import migrations from '../../drizzle/rig/migrations';
import * as schema from '../../schema/rig';

export type RigDb = DrizzleSqliteDODatabase<typeof schema>;

/** Opens the RigDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export async function openRigDb(storage: DurableObjectStorage): Promise<RigDb> {
  const db = drizzle(storage, { schema });
  await migrate(db, migrations);
  return db;
}
