import { sql } from 'drizzle-orm';
import { townSettings } from '../../schema/town';
import { iso, type TownContext } from './context';
import { logEvent } from './log';
import { rowShape } from './sql-row';

// A town's settings: how long it keeps history, how much storage it may use, and its work loop's limits. Stored per town; a
// field the town has not set is the built-in default below.

export const DEFAULT_SETTINGS = {
  /** Events older than this are pruned from the event log. */
  eventRetentionDays: 30,
  /** A landed or cancelled convoy older than this is compacted (its bead rows go, its figures stay). */
  convoyRetentionDays: 30,
  /** Delivered notifications older than this leave the outbox. */
  outboxRetentionDays: 30,
  /** The watchdog escalates when the town's database passes 80 % of this. */
  storageBudgetBytes: 10 * 1024 ** 3,
  /** A rig's breaker opens after this many failed attempts (failed or lease expired)… */
  breakerFailures: 5,
  /** …within this many minutes (older failures decay). */
  breakerWindowMinutes: 30,
  /** An open breaker lets one claim through after this long (doubled by each failed probe, ≤ 4 h). */
  breakerCooldownMinutes: 15,
  /** An active convoy with open beads and no progress for this long raises a `convoy-stranded` escalation. */
  strandedAfterMinutes: 60,
  /** The town's spend per UTC day (its cost unit) past which it pauses itself; null: no budget. */
  dailyBudget: null,
  /** A claimable bead's priority improves by one level per this many minutes it waits (priority with aging). */
  agingMinutes: 60,
  /** The unit every cost, budget and spend of the town is counted in (a label: nothing converts). */
  costUnit: 'usd',
} as const;

type SettingValue<V> = V extends null ? number | null : V extends string ? string : number;
export type TownSettings = { [K in keyof typeof DEFAULT_SETTINGS]: SettingValue<(typeof DEFAULT_SETTINGS)[K]> };
/** Each field omitted = unchanged; `null` = back to the default. */
export type TownSettingsUpdate = { [K in keyof TownSettings]?: TownSettings[K] | null };

const SETTINGS_ROW_ID = 1;
const SETTINGS_ROW = rowShape(townSettings);
const FIELDS = Object.keys(DEFAULT_SETTINGS) as (keyof TownSettings)[];

export function getSettings({ db }: TownContext): TownSettings {
  // A template, not the builder: every claim and close reads it (server/core/sql-row.ts says why).
  const raw = db.get<Record<string, unknown> | undefined>(
    sql`select ${SETTINGS_ROW.columns} from town_settings where id = ${SETTINGS_ROW_ID}`,
  );
  const stored = raw && SETTINGS_ROW.decode(raw);
  return Object.fromEntries(FIELDS.map((f) => [f, stored?.[f] ?? DEFAULT_SETTINGS[f]])) as TownSettings;
}

/** Writes the given fields (one row). Re-planning what depends on them is the caller's: retention/settings-change.ts. */
export function setSettings(ctx: TownContext, update: TownSettingsUpdate): TownSettings {
  const set = FIELDS.filter((f) => update[f] !== undefined);
  const values = { ...Object.fromEntries(set.map((f) => [f, update[f]])), updatedAt: iso(ctx.now()) };
  ctx.db
    .insert(townSettings)
    .values({ id: SETTINGS_ROW_ID, ...values })
    .onConflictDoUpdate({ target: townSettings.id, set: values })
    .run();
  logEvent('info', 'town.settings_set', { townId: ctx.townId, fields: set });
  return getSettings(ctx);
}
