/**
 * A view of a DO's storage whose `sql.exec` cursors are remembered, so the SQLite rows read and
 * written by one operation can be summed (Drizzle discards its cursors). Counts are read after the
 * operation, since `rowsRead` grows as a cursor is consumed.
 */
export function countingStorage(storage: DurableObjectStorage) {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const sql = new Proxy(storage.sql, {
    get(target, prop) {
      if (prop === 'exec') {
        return (query: string, ...bindings: unknown[]) => {
          const cursor = target.exec(query, ...bindings);
          cursors.push(cursor);
          return cursor;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const counted = new Proxy(storage, {
    get(target, prop) {
      if (prop === 'sql') return sql;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    storage: counted,
    /** Rows read and written since the last reset. */
    take(): { rowsRead: number; rowsWritten: number; statements: number } {
      const totals = cursors.reduce(
        (sum, c) => ({ rowsRead: sum.rowsRead + c.rowsRead, rowsWritten: sum.rowsWritten + c.rowsWritten, statements: sum.statements + 1 }),
        { rowsRead: 0, rowsWritten: 0, statements: 0 },
      );
      cursors.length = 0;
      return totals;
    },
  };
}
