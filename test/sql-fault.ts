import { runInDurableObject } from 'cloudflare:test';

type Stub = DurableObjectStub<Rpc.DurableObjectBranded>;

/**
 * Makes every `INSERT INTO <table>` run on the live DO behind `stub` execute and then throw, until
 * `restore()`: a fault after the row is written and before its transaction commits (Drizzle's
 * `db.transaction` is `storage.transactionSync`, so the throw rolls the whole transaction back). It
 * patches the instance's own `storage.sql`, so no production code knows about it. `fired()` counts the
 * faults thrown: a fault that never fired proves nothing.
 */
export async function failAfterInsertInto(stub: Stub, table: string) {
  let fired = 0;
  const statement = new RegExp(`^\\s*insert\\s+into\\s+"?${table}"?[\\s(]`, 'i');
  const restore = await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec;
    Object.defineProperty(sql, 'exec', {
      configurable: true,
      value(query: string, ...bindings: unknown[]) {
        const cursor = exec.call(sql, query, ...bindings);
        if (!statement.test(query)) return cursor;
        cursor.toArray(); // the row is written (a RETURNING cursor runs as it is read)
        fired += 1;
        throw new Error(`injected fault after writing ${table}`);
      },
    });
    return () => {
      Object.defineProperty(sql, 'exec', { configurable: true, writable: true, value: exec });
    };
  });
  return { fired: () => fired, restore };
}
