import { storageWatch } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import { raiseEscalation } from '../escalations/escalations';

// The storage watch: a Durable Object's SQLite is capped, so the town watches its own size against the
// budget in its settings. Past 80 % an episode starts and escalates once (`high`); the first check back
// under 80 % ends it, so the next crossing escalates again.

export const STORAGE_ALERT_FRACTION = 0.8;
/** The escalation's source: not a rig, like the container's `town-container`. */
export const STORAGE_TARGET = 'town-storage';

export interface StorageCheck {
  sizeBytes: number;
  budgetBytes: number;
  overBudget: boolean;
  overBudgetSince: string | null;
  escalationId: string | null;
}

/** When the watch last checked, or null before its first check. */
export function lastStorageCheckAt({ db }: TownContext): string | null {
  return db.select({ at: storageWatch.lastCheckedAt }).from(storageWatch).get()?.at ?? null;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

export function checkStorageBudget(ctx: TownContext, sizeBytes: number, budgetBytes: number): StorageCheck {
  const { db } = ctx;
  const checkedAt = iso(ctx.now());
  return db.transaction(() => {
    const previous = db.select().from(storageWatch).get();
    const overBudget = sizeBytes > budgetBytes * STORAGE_ALERT_FRACTION;
    let overBudgetSince = previous?.overBudgetSince ?? null;
    let escalationId = previous?.escalationId ?? null;
    const fields = { townId: ctx.townId, sizeBytes, budgetBytes };
    if (overBudget && overBudgetSince === null) {
      overBudgetSince = checkedAt;
      const { escalation } = raiseEscalation(ctx, {
        sourceRigId: STORAGE_TARGET,
        severity: 'high',
        category: 'watchdog',
        message: `The town's database is ${mib(sizeBytes)}, past ${STORAGE_ALERT_FRACTION * 100} % of its storage budget (${mib(budgetBytes)}): lower the retention settings or raise the budget.`,
      });
      escalationId = escalation.id;
      logEvent('warn', 'watchdog.storage_over_budget', { ...fields, escalationId });
    } else if (!overBudget && overBudgetSince !== null) {
      logEvent('info', 'watchdog.storage_within_budget', { ...fields, escalationId });
      overBudgetSince = null;
      escalationId = null;
    }
    const row = { id: 1, lastCheckedAt: checkedAt, lastSizeBytes: sizeBytes, overBudgetSince, escalationId };
    db.insert(storageWatch).values(row).onConflictDoUpdate({ target: storageWatch.id, set: row }).run();
    return { sizeBytes, budgetBytes, overBudget, overBudgetSince, escalationId };
  });
}
