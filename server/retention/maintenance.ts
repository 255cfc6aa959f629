import type { TownContext } from '../core/context';
import { logEvent } from '../core/log';
import type { TaskHandler } from '../core/scheduler';
import { getSettings } from '../core/settings';
import { hasRigs } from '../rigs/registry';
import { compactConvoysBatch } from './convoy-compaction';
import { MAINTENANCE_INTERVAL_MS } from './maintenance-schedule';
import { pruneDeliveredOutbox } from './outbox-pruning';
import { RETENTION_BATCH_PAUSE_MS } from './pace';
import { checkStorageBudget, lastStorageCheckAt } from './storage-budget';

// One maintenance run: a bounded batch of one kind of pruning (delivered outbox rows first, then
// convoys), so a run holds the DO for one short delete; then the storage watch. While more is due the
// task comes back after a pause (never one giant delete); then every interval, for as long as the town
// has rigs (registering one starts it again).

export interface MaintenanceRun {
  outboxDeleted: number;
  compactedConvoyId: string | null;
  beadsDeleted: number;
  more: boolean;
}

export function runMaintenance(ctx: TownContext, databaseSizeBytes: number): MaintenanceRun {
  const settings = getSettings(ctx);
  const outbox = pruneDeliveredOutbox(ctx, settings.outboxRetentionDays);
  // A run that deleted outbox rows comes back: for more of them, or for the convoys.
  const convoys = outbox.deleted > 0 ? null : compactConvoysBatch(ctx, settings.convoyRetentionDays);
  const run = {
    outboxDeleted: outbox.deleted,
    compactedConvoyId: convoys?.convoyId ?? null,
    beadsDeleted: convoys?.beadsDeleted ?? 0,
    more: convoys ? convoys.more : true,
  };
  // The watch's write is skipped between batches of a prune, but not for longer than an interval.
  if (!run.more || storageCheckIsDue(ctx)) checkStorageBudget(ctx, databaseSizeBytes, settings.storageBudgetBytes);
  if (run.outboxDeleted > 0 || run.beadsDeleted > 0) logEvent('info', 'storage.pruned', { townId: ctx.townId, ...run });
  return run;
}

function storageCheckIsDue(ctx: TownContext): boolean {
  const last = lastStorageCheckAt(ctx);
  return last === null || Date.parse(last) <= ctx.now().getTime() - MAINTENANCE_INTERVAL_MS;
}

/** The scheduler's handler; `databaseSizeBytes` reads the DO's `ctx.storage.sql.databaseSize`. */
export function maintenanceTask(ctx: TownContext, databaseSizeBytes: () => number): TaskHandler {
  return () => {
    const run = runMaintenance(ctx, databaseSizeBytes());
    const now = Date.now();
    if (run.more) return { retryAt: now + RETENTION_BATCH_PAUSE_MS };
    return hasRigs(ctx) ? { retryAt: now + MAINTENANCE_INTERVAL_MS } : undefined;
  };
}
