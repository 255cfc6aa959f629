import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';

type Migrations = Parameters<typeof migrate>[1];

/**
 * Opens a Durable Object's SQLite database through Drizzle and applies its pending migrations (the
 * generated `drizzle/<db>/migrations.js`). Call inside `blockConcurrencyWhile` in the constructor.
 */
export async function openDatabase<S extends Record<string, unknown>>(
  storage: DurableObjectStorage,
  schema: S,
  migrations: Migrations,
): Promise<DrizzleSqliteDODatabase<S>> {
  const db = drizzle(storage, { schema });
  await migrate(db, migrations);
  return db;
}
