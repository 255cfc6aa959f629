import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { describe, expect, it } from 'vitest';
import townMigrations from '../../drizzle/town/migrations';

// The upgrade that scopes escalation keys per source (0017): rows written under the town-wide unique
// indexes read back unchanged, and from then on two rigs may hold one key while one rig still may not
// hold it twice. (test/migrations.test.ts covers every step's rows generically; this one, the indexes.)

type Migrations = Parameters<typeof migrate>[1];
const TAG = '0017_escalation-keys-per-source';
const upTo = (count: number): Migrations => ({
  ...townMigrations,
  journal: { ...townMigrations.journal, entries: townMigrations.journal.entries.slice(0, count) },
});

function emptyDatabase(sql: SqlStorage) {
  const tables = sql
    .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'")
    .toArray();
  for (const { name } of tables) sql.exec(`drop table "${name}"`);
}

const insert = (sql: SqlStorage, id: string, rig: string, keys: { dedup?: string; idempotency?: string }) =>
  sql.exec(
    `insert into escalations (id, source_rig_id, severity, message, created_at, dedup_key, idempotency_key)
     values (?, ?, 'high', 'm', '2026-01-01T00:00:00.000Z', ?, ?)`,
    id,
    rig,
    keys.dedup ?? null,
    keys.idempotency ?? null,
  );

describe(`town migration ${TAG}`, () => {
  it('keeps the rows and makes dedup and idempotency keys unique per (source rig, key)', async () => {
    const index = townMigrations.journal.entries.findIndex((e) => e.tag === TAG);
    expect(index, `${TAG} is in the journal`).toBeGreaterThan(0);
    await runInDurableObject(env.TOWN.get(env.TOWN.idFromName('migration-escalation-keys')), async (_instance, state) => {
      const sql = state.storage.sql;
      emptyDatabase(sql);
      const db = drizzle(state.storage);
      await migrate(db, upTo(index));
      insert(sql, 'e1', 'r1', { dedup: 'db-fail', idempotency: 'k' });
      // Before: the keys were town-wide, so a second rig could not hold them.
      expect(() => insert(sql, 'e0', 'r2', { dedup: 'db-fail' })).toThrow(/UNIQUE/);

      await migrate(db, upTo(index + 1));
      expect(sql.exec('select id, source_rig_id, dedup_key, idempotency_key from escalations').toArray()).toEqual([
        { id: 'e1', source_rig_id: 'r1', dedup_key: 'db-fail', idempotency_key: 'k' },
      ]);
      insert(sql, 'e2', 'r2', { dedup: 'db-fail', idempotency: 'k' });
      expect(() => insert(sql, 'e3', 'r1', { dedup: 'db-fail' })).toThrow(/UNIQUE/);
      expect(() => insert(sql, 'e4', 'r1', { idempotency: 'k' })).toThrow(/UNIQUE/);
      // A resolved escalation frees its dedup key for its source.
      sql.exec("update escalations set resolved_at = '2026-01-02T00:00:00.000Z' where id = 'e1'");
      insert(sql, 'e5', 'r1', { dedup: 'db-fail' });
    });
  });
});
