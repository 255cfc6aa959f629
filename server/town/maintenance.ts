import { compactConvoysBatch } from '../convoys/compaction';
import { logEvent } from '../log';
import { pruneDeliveredOutbox } from '../notify/outbox-pruning';
import { hasRigs } from '../rigs/registry';
import type { TaskHandler } from '../scheduler';
import { checkStorageBudget } from '../watchdog/storage-budget';
import type { TownContext } from './context';
import { MAINTENANCE_BATCH_PAUSE_MS, MAINTENANCE_INTERVAL_MS } from './maintenance-schedule';
import { getSettings } from './settings';

// One maintenance run: a bounded batch of each kind of pruning, then the storage watch. While more is
// due the task comes back after a short pause (never one giant delete); then every interval, for as
// long as the town has rigs (registering one starts it again).

export interface MaintenanceRun {
  outboxDeleted: number;
  compactedConvoyId: string | null;
  beadsDeleted: number;
  more: boolean;
}

export function runMaintenance(ctx: TownContext, databaseSizeBytes: number): MaintenanceRun {
  const settings = getSettings(ctx);
  const outbox = pruneDeliveredOutbox(ctx, settings.outboxRetentionDays);
  const convoys = compactConvoysBatch(ctx, settings.convoyRetentionDays);
  checkStorageBudget(ctx, databaseSizeBytes, settings.storageBudgetBytes);
  const run = {
    outboxDeleted: outbox.deleted,
    compactedConvoyId: convoys.convoyId,
    beadsDeleted: convoys.beadsDeleted,
    more: outbox.more || convoys.more,
  };
  if (run.outboxDeleted > 0 || run.beadsDeleted > 0) logEvent('info', 'storage.pruned', { townId: ctx.townId, ...run });
  return run;
}

/** The scheduler's handler; `databaseSizeBytes` reads the DO's `ctx.storage.sql.databaseSize`. */
export function maintenanceTask(ctx: TownContext, databaseSizeBytes: () => number): TaskHandler {
  return () => {
    const run = runMaintenance(ctx, databaseSizeBytes());
    const now = Date.now();
    if (run.more) return { retryAt: now + MAINTENANCE_BATCH_PAUSE_MS };
    return hasRigs(ctx) ? { retryAt: now + MAINTENANCE_INTERVAL_MS } : undefined;
  };
}
