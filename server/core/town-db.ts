import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import migrations from '../../drizzle/town/migrations';
import * as schema from '../../schema/town';
import { openDatabase } from './do-database';

export type TownDb = DrizzleSqliteDODatabase<typeof schema>;

/** Opens the TownDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export const openTownDb = (storage: DurableObjectStorage): Promise<TownDb> => openDatabase(storage, schema, migrations);
