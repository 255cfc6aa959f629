import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { describe, expect, it } from 'vitest';
import migrations from '../drizzle/town/migrations';
import * as schema from '../schema/town';

describe('town migrations', () => {
  it('has more than one migration, so an upgrade is really exercised', () => {
    expect(migrations.journal.entries.length).toBeGreaterThan(1);
  });

  it('keeps the data of a DO created at migration N when N+1… are applied', async () => {
    const stub = env.TOWN.get(env.TOWN.idFromName('migration-upgrade'));
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      // Start over from an empty database, as a DO created before the later migrations existed.
      const tables = sql
        .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
        .toArray();
      for (const { name } of tables) sql.exec(`drop table "${name}"`);
      const first = {
        journal: { ...migrations.journal, entries: migrations.journal.entries.slice(0, 1) },
        migrations: migrations.migrations,
      };
      const db = drizzle(state.storage, { schema });
      await migrate(db, first);
      db.insert(schema.rigs).values({ id: 'r1', name: 'old-rig', rigDoId: 'abc', createdAt: '2026-01-01T00:00:00.000Z' }).run();
      expect(sql.exec("select count(*) as n from sqlite_master where name = 'schedule'").one().n).toBe(0);

      await migrate(db, migrations);
      expect(db.select().from(schema.rigs).all()).toEqual([
        { id: 'r1', name: 'old-rig', rigDoId: 'abc', createdAt: '2026-01-01T00:00:00.000Z' },
      ]);
      expect(sql.exec("select count(*) as n from sqlite_master where name = 'schedule'").one().n).toBe(1);
      const applied = sql.exec('select count(*) as n from __drizzle_migrations').one().n;
      expect(applied).toBe(migrations.journal.entries.length);
    });
  });
});
