import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import migrations from '../../drizzle/rig/migrations';
import * as schema from '../../schema/rig';
import { openDatabase } from '../core/do-database';

export type RigDb = DrizzleSqliteDODatabase<typeof schema>;

/** Opens the RigDO's database and applies pending migrations; call inside blockConcurrencyWhile. */
export const openRigDb = (storage: DurableObjectStorage): Promise<RigDb> => openDatabase(storage, schema, migrations);
