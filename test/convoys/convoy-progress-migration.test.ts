import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { describe, expect, it } from 'vitest';
import migrations from '../../drizzle/town/migrations';
import * as schema from '../../schema/town';

// A town that had convoys before per-rig progress existed gets its counters from the upgrade itself.

const BEFORE_PROGRESS = 'convoy-rig-progress';

describe('convoys.rig_progress migration', () => {
  it('counts the convoys already there, per rig, when the table is created', async () => {
    const stub = env.TOWN.get(env.TOWN.idFromName('convoy-progress-upgrade'));
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      const tables = sql
        .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
        .toArray();
      for (const { name } of tables) sql.exec(`drop table "${name}"`);
      const upTo = migrations.journal.entries.findIndex((e) => e.tag.endsWith(BEFORE_PROGRESS));
      expect(upTo).toBeGreaterThan(0);
      const db = drizzle(state.storage, { schema });
      await migrate(db, { ...migrations, journal: { ...migrations.journal, entries: migrations.journal.entries.slice(0, upTo) } });
      // Two convoys as an older town holds them: beads on two rigs, some closed.
      sql.exec(
        `insert into convoys (id, title, status, total_beads, closed_beads, created_at) values
           ('c1', 'one', 'active', 3, 2, '2026-01-01T00:00:00.000Z'), ('c2', 'two', 'landed', 1, 1, '2026-01-01T00:00:00.000Z')`,
      );
      sql.exec(
        `insert into convoy_beads (convoy_id, bead_id, rig_id, status, title, position) values
           ('c1', 'b1', 'r1', 'closed', 't', 0), ('c1', 'b2', 'r2', 'open', 't', 1), ('c1', 'b3', 'r1', 'closed', 't', 2),
           ('c2', 'b4', 'r2', 'closed', 't', 0)`,
      );

      await migrate(db, migrations);
      const rows = db
        .select({ id: schema.convoys.id, rigProgress: schema.convoys.rigProgress, closeMsSketch: schema.convoys.closeMsSketch })
        .from(schema.convoys)
        .all();
      expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'c1', rigProgress: { r1: [2, 2], r2: [1, 0] }, closeMsSketch: {} },
        { id: 'c2', rigProgress: { r2: [1, 1] }, closeMsSketch: {} },
      ]);
    });
  });
});
