import { asc, sql } from 'drizzle-orm';
import { convoys, escalations, events, outbox, storageWatch } from '../../schema/town';
import type { TownContext } from '../core/context';
import { getSettings } from '../core/settings';
import { STORAGE_ALERT_FRACTION } from '../retention/storage-budget';

// `town.stats`: how big the town is. Row counts are `count(*)` per table, i.e. O(rows) reads: a call for
// an operator now and then, not for polling (the storage watch reads only the database size).

export interface TownStats {
  databaseSizeBytes: number;
  storageBudgetBytes: number;
  /** The size at which the watchdog escalates (80 % of the budget). */
  alertAtBytes: number;
  overBudgetSince: string | null;
  /** Rows per table of the town's database (SQLite and platform tables left out). */
  rows: Record<string, number>;
  /** The oldest item each kept history still holds (null: none). */
  oldest: { convoyCreatedAt: string | null; outboxCreatedAt: string | null; escalationCreatedAt: string | null; eventAt: string | null };
}

function tableNames({ db }: TownContext): string[] {
  return db
    .all<{ name: string }>(
      sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name not like '__drizzle%' order by name`,
    )
    .map((r) => r.name);
}

export function townStats(ctx: TownContext, databaseSizeBytes: number): TownStats {
  const { db } = ctx;
  const rows = Object.fromEntries(
    tableNames(ctx).map((name) => [name, db.get<{ n: number }>(sql`select count(*) as n from ${sql.identifier(name)}`)?.n ?? 0]),
  );
  const budget = getSettings(ctx).storageBudgetBytes;
  return {
    databaseSizeBytes,
    storageBudgetBytes: budget,
    alertAtBytes: Math.floor(budget * STORAGE_ALERT_FRACTION),
    overBudgetSince: db.select({ since: storageWatch.overBudgetSince }).from(storageWatch).get()?.since ?? null,
    rows,
    oldest: {
      convoyCreatedAt: db.select({ at: convoys.createdAt }).from(convoys).orderBy(asc(convoys.createdAt)).limit(1).get()?.at ?? null,
      outboxCreatedAt: db.get<{ at: string | null }>(sql`select min(${outbox.createdAt}) as at from ${outbox}`)?.at ?? null,
      escalationCreatedAt:
        db.select({ at: escalations.createdAt }).from(escalations).orderBy(asc(escalations.createdAt)).limit(1).get()?.at ?? null,
      eventAt: db.select({ at: events.at }).from(events).orderBy(asc(events.seq)).limit(1).get()?.at ?? null,
    },
  };
}
