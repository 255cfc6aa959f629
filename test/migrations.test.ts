import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { describe, expect, it } from 'vitest';
import mayorMigrations from '../drizzle/mayor/migrations';
import rigMigrations from '../drizzle/rig/migrations';
import townMigrations from '../drizzle/town/migrations';

// Every upgrade step N → N+1 of each Durable Object's database, generated from its migration journal,
// so a migration added later is covered without touching this file. A DO at migration N gets one row
// in every table (every column filled, CHECK constraints obeyed), then migration N+1 runs: it must
// apply, and every row must read back with the same values in the columns that existed at N, except
// the columns a migration drops on purpose, listed in DROPPED by the step that drops them.

type Migrations = Parameters<typeof migrate>[1];
type Stub = DurableObjectStub<Rpc.DurableObjectBranded>;
type Row = Record<string, SqlStorageValue>;

/** Columns a step removes by design (`table.column`), by database and the tag of the migration that drops them. */
const DROPPED: Record<string, Record<string, string[]>> = {
  // The per-bead `delivered` flag gave way to a watermark per (convoy, rig) (`convoy_rig_deliveries`);
  // beads delivered before the upgrade may be delivered again, which rigs ignore (beads keep the town's ids).
  town: { '0007_rig_delivery_watermark': ['convoy_beads.delivered'] },
};

/** Columns whose values a step recomputes by design (a data migration), by database and tag: not compared. */
const REWRITTEN: Record<string, Record<string, string[]>> = {
  // Per-rig progress of the convoys that predate it, counted from their bead rows.
  town: {
    '0013_backfill-convoy-rig-progress': ['convoys.rig_progress'],
    // Closes from before outcomes were all successes: `done`, counted as such.
    '0018_backfill_convoy_outcomes': ['convoys.done_beads', 'convoy_beads.outcome'],
  },
  // Beads closed (done) before outcomes get outcome `done`.
  rig: { '0002_backfill_done_outcome': ['beads.outcome'] },
};

const DATABASES: { name: string; migrations: Migrations; stub: (key: string) => Stub }[] = [
  { name: 'town', migrations: townMigrations, stub: (key) => env.TOWN.get(env.TOWN.idFromName(key)) },
  { name: 'rig', migrations: rigMigrations, stub: (key) => env.RIG.get(env.RIG.idFromName(key)) },
  { name: 'mayor', migrations: mayorMigrations, stub: (key) => env.MAYOR.get(env.MAYOR.idFromName(key)) },
];

/** The first `count` migrations of a journal, as drizzle's migrator takes them. */
const upTo = (migrations: Migrations, count: number): Migrations => ({
  ...migrations,
  journal: { ...migrations.journal, entries: migrations.journal.entries.slice(0, count) },
});

const userTables = (sql: SqlStorage) =>
  sql
    .exec<{ name: string; sql: string }>(
      "select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like '\\_%' escape '\\' order by name",
    )
    .toArray();

/** Drops what the DO's constructor migrated, so the database starts empty, as a DO created long ago. */
function emptyDatabase(sql: SqlStorage) {
  for (const { name } of userTables(sql)) sql.exec(`drop table "${name}"`);
  sql.exec('drop table if exists "__drizzle_migrations"');
}

/**
 * A value for a column that its table's CHECK constraints accept: the first value of an
 * `"table"."column" in ('a', …)` list, the number of `"table"."column" = n`, else one by type.
 */
function valueFor(table: { name: string; sql: string }, column: { name: string; type: string }): SqlStorageValue {
  const ref = `"${table.name}"\\."${column.name}"`;
  const listed = new RegExp(`${ref} in \\('([^']*)'`).exec(table.sql);
  if (listed) return listed[1] ?? null;
  const equal = new RegExp(`${ref} = (-?\\d+)`).exec(table.sql);
  if (equal) return Number(equal[1]);
  const type = column.type.toLowerCase();
  if (type.includes('int')) return 1;
  if (type.includes('real')) return 1.5;
  if (type.includes('blob')) return new Uint8Array([1, 2, 3]).buffer;
  return `${table.name}.${column.name}`;
}

/** Writes one row, every column filled, into each table; returns them by table. */
function writeRowEverywhere(sql: SqlStorage): Record<string, Row> {
  const written: Record<string, Row> = {};
  for (const table of userTables(sql)) {
    const columns = sql.exec<{ name: string; type: string }>(`pragma table_info("${table.name}")`).toArray();
    const row = Object.fromEntries(columns.map((c) => [c.name, valueFor(table, c)]));
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    sql.exec(`insert into "${table.name}" (${names}) values (${columns.map(() => '?').join(', ')})`, ...Object.values(row));
    written[table.name] = row;
  }
  return written;
}

function readBack(sql: SqlStorage, written: Record<string, Row>): Record<string, Row[]> {
  const tables = new Set(userTables(sql).map((t) => t.name));
  return Object.fromEntries(
    Object.entries(written).map(([table, row]) => {
      if (!tables.has(table)) return [table, []];
      const columns = Object.keys(row)
        .map((c) => `"${c}"`)
        .join(', ');
      return [table, sql.exec<Row>(`select ${columns} from "${table}"`).toArray()];
    }),
  );
}

for (const database of DATABASES) {
  const { entries } = database.migrations.journal;
  const steps = entries.slice(1).map((entry, i) => ({ from: entries[i]?.tag ?? '', to: entry.tag, n: i + 1 }));
  const droppedBy = (tag: string) => DROPPED[database.name]?.[tag] ?? [];

  describe(`${database.name} database migrations`, () => {
    it.each(steps)('$from → $to keeps the rows written before it', async ({ n, to }) => {
      await runInDurableObject(database.stub(`migration-step-${database.name}-${n}`), async (_instance, state) => {
        const sql = state.storage.sql;
        emptyDatabase(sql);
        const db = drizzle(state.storage);
        await migrate(db, upTo(database.migrations, n));
        const written = writeRowEverywhere(sql);
        expect(Object.keys(written).length).toBeGreaterThan(0);

        await migrate(db, upTo(database.migrations, n + 1));
        expect(sql.exec('select count(*) as applied from "__drizzle_migrations"').one().applied).toBe(n + 1);
        const dropped = droppedBy(to);
        for (const column of dropped) {
          const [table = '', name] = column.split('.');
          expect(
            sql
              .exec(`pragma table_info("${table}")`)
              .toArray()
              .map((c) => c.name),
            `${column} is listed as dropped`,
          ).not.toContain(name);
          delete written[table]?.[name ?? ''];
        }
        for (const column of REWRITTEN[database.name]?.[to] ?? []) {
          const [table = '', name = ''] = column.split('.');
          delete written[table]?.[name];
        }
        expect(readBack(sql, written)).toEqual(Object.fromEntries(Object.entries(written).map(([table, row]) => [table, [row]])));
      });
    });

    // With one migration there is no step yet; this proves the row writer above can fill this
    // database's tables, so the first step added later is covered at once.
    it('can write a row in every table at the latest migration', async () => {
      await runInDurableObject(database.stub(`migration-latest-${database.name}`), async (_instance, state) => {
        emptyDatabase(state.storage.sql);
        await migrate(drizzle(state.storage), database.migrations);
        const written = writeRowEverywhere(state.storage.sql);
        expect(readBack(state.storage.sql, written)).toEqual(Object.fromEntries(Object.entries(written).map(([t, row]) => [t, [row]])));
      });
    });
  });
}
