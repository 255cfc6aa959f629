import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { describe, expect, it } from 'vitest';
import rigMigrations from '../../drizzle/rig/migrations';
import townMigrations from '../../drizzle/town/migrations';

// The work loop's migrations over databases that already hold beads: every bead closed `done` before
// gets outcome `done`, cancelled and open ones none; the town's convoys count their closes as done.

type Migrations = Parameters<typeof migrate>[1];
const upTo = (migrations: Migrations, tag: string): Migrations => {
  const count = migrations.journal.entries.findIndex((e) => e.tag === tag);
  if (count < 0) throw new Error(`no migration ${tag}`);
  return { ...migrations, journal: { ...migrations.journal, entries: migrations.journal.entries.slice(0, count) } };
};

function emptyDatabase(sql: SqlStorage) {
  const tables = sql
    .exec<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_%' escape '\\'",
    )
    .toArray();
  for (const { name } of tables) sql.exec(`drop table "${name}"`);
  sql.exec('drop table if exists "__drizzle_migrations"');
}

describe('work loop migrations with existing beads', () => {
  it('rig: closed done → outcome done; cancelled and open → none; attempt 0, maxAttempts 3', async () => {
    await runInDurableObject(env.RIG.get(env.RIG.idFromName(`rig-migration-${crypto.randomUUID()}`)), async (_i, state) => {
      const sql = state.storage.sql;
      emptyDatabase(sql);
      const db = drizzle(state.storage);
      await migrate(db, upTo(rigMigrations, '0001_work_loop'));
      const at = '2026-01-01T00:00:00.000Z';
      sql.exec(`insert into beads (id, title, status, convoy_id, close_reason, created_at, closed_at) values
        ('done', 't', 'closed', 'c', 'done', '${at}', '${at}'),
        ('cancelled', 't', 'closed', 'c', 'cancelled', '${at}', '${at}'),
        ('open', 't', 'open', 'c', null, '${at}', null)`);
      await migrate(db, rigMigrations);
      const rows = sql.exec('select id, status, outcome, attempt, max_attempts, held_by from beads order by id').toArray();
      expect(rows).toEqual([
        { id: 'cancelled', status: 'closed', outcome: null, attempt: 0, max_attempts: 3, held_by: null },
        { id: 'done', status: 'closed', outcome: 'done', attempt: 0, max_attempts: 3, held_by: null },
        { id: 'open', status: 'open', outcome: null, attempt: 0, max_attempts: 3, held_by: null },
      ]);
    });
  });

  it('town: closed convoy beads → outcome done; convoys count them as done; status keeps its value', async () => {
    await runInDurableObject(env.TOWN.get(env.TOWN.idFromName(`town-migration-${crypto.randomUUID()}`)), async (_i, state) => {
      const sql = state.storage.sql;
      emptyDatabase(sql);
      const db = drizzle(state.storage);
      await migrate(db, upTo(townMigrations, '0021_work_loop'));
      const at = '2026-01-01T00:00:00.000Z';
      sql.exec(`insert into convoys (id, title, status, total_beads, closed_beads, created_at, rig_progress) values
        ('c1', 'one', 'landed', 2, 2, '${at}', '{"r":[2,2]}'), ('c2', 'two', 'active', 2, 1, '${at}', '{"r":[2,1]}')`);
      sql.exec(`insert into convoy_beads (convoy_id, bead_id, rig_id, status) values
        ('c1', 'a', 'r', 'closed'), ('c1', 'b', 'r', 'closed'), ('c2', 'c', 'r', 'closed'), ('c2', 'd', 'r', 'open')`);
      await migrate(db, townMigrations);
      expect(
        sql.exec('select id, status, closed_beads, done_beads, failed_beads, max_attempts from convoys order by id').toArray(),
      ).toEqual([
        { id: 'c1', status: 'landed', closed_beads: 2, done_beads: 2, failed_beads: 0, max_attempts: 3 },
        { id: 'c2', status: 'active', closed_beads: 1, done_beads: 1, failed_beads: 0, max_attempts: 3 },
      ]);
      expect(
        sql
          .exec('select bead_id, outcome from convoy_beads order by bead_id')
          .toArray()
          .map((r) => r.outcome),
      ).toEqual(['done', 'done', 'done', null]);
    });
  });
});
