import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Tables of one TownDO's SQLite database, one file per concept. Timestamps are ISO-8601 text.

// One row: the town id this DO serves, stored on first use so alarms (which get no request) know it.
export const town = sqliteTable('town', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
});

export * from './auth';
export * from './convoys';
export * from './escalations';
export * from './notify';
export * from './rigs';
export { schedule } from './schedule';
export * from './watchdog';
