import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

// Hot paths (a close, the token check) write their statements as `sql` templates: building a Drizzle
// query costs tens of µs of CPU each, a template a few. What a template reads back must still look
// exactly as Drizzle's builder gave it (camelCase keys, JSON parsed, booleans): this does it from the
// table's own column definitions, once per table, so the two never drift apart.

export interface RowShape<T> {
  /** `"total_beads" as "totalBeads", …`: every column of the table, for `select …` or `returning …`. */
  columns: SQL;
  /** A raw row read with `columns` as the builder would have answered it. */
  decode(raw: Record<string, unknown>): T;
}

export function rowShape<T extends SQLiteTable>(table: T): RowShape<T['$inferSelect']> {
  const columns = Object.entries(getTableColumns(table));
  const list = columns.map(([key, column]) => `"${column.name}" as "${key}"`).join(', ');
  return {
    columns: sql.raw(list),
    decode(raw) {
      const row: Record<string, unknown> = {};
      for (const [key, column] of columns) {
        const value = raw[key];
        // As Drizzle decodes a row: null stays null, anything else goes through the column's mapping.
        row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
      }
      return row as T['$inferSelect'];
    },
  };
}
