import type { convoyBeads, convoys, RigProgressEntry } from '../../schema/town';
import { type ConvoyForecast, forecast } from './forecast';
import { type Pause, pauseView } from './pauses';
import type { NewWatcher } from './watchers';

// The wire shapes of a convoy (no internal columns).

export type ConvoyStatus = 'active' | 'landed' | 'failed' | 'cancelled';
export type BeadOutcome = 'done' | 'failed' | 'skipped';

export interface ConvoySummary {
  id: string;
  title: string;
  status: ConvoyStatus;
  totalBeads: number;
  /** doneBeads + failedBeads + skippedBeads. */
  closedBeads: number;
  doneBeads: number;
  failedBeads: number;
  skippedBeads: number;
  maxAttempts: number;
  requireRef: boolean;
  /** 0 (most urgent) to 4 (convoy.create, convoy.setPriority). */
  priority: number;
  createdBy: string | null;
  createdAt: string;
  landedAt: string | null;
  failedAt: string | null;
  /** The last claim, renewal, attempt or close of any of its beads (null before any). */
  lastProgressAt: string | null;
  /** Set once retention compacted the convoy: its beads are no longer listed (its figures stay). */
  compactedAt: string | null;
}

export interface ConvoyBead {
  id: string;
  rigId: string;
  title: string;
  status: 'open' | 'closed';
  outcome: BeadOutcome | null;
  /** As the rig last reported them (claims reach the town in batches, within seconds). */
  attempt: number;
  heldBy: string | null;
  ref: string | null;
  /** Its key in the convoy (what later beads' `dependsOn` name), or null. */
  key: string | null;
  /** The bead ids it waits on (keys resolved), or [] without dependencies. */
  dependsOn: string[];
  /** Open and waiting on a dependency not yet done or skipped: not claimable. */
  blocked: boolean;
  /** The cost reported against it so far, in the town's cost unit. */
  spent: number;
}

/** One rig's share of a convoy. */
export interface RigProgress {
  rigId: string;
  totalBeads: number;
  closedBeads: number;
  doneBeads: number;
  failedBeads: number;
  skippedBeads: number;
}

/** `convoy.get`: the summary and per-rig progress, never the beads (those are paged by `convoy.beads`). */
export interface Convoy extends ConvoySummary {
  rigs: RigProgress[];
  /** The due date (`convoy.create` / `convoy.setDue`), or null. */
  dueAt: string | null;
  /** From the row alone, at the time of the call (docs/convoys.md, "Due dates and forecast"). */
  forecast: ConvoyForecast;
  /** How many watchers it has (`convoy.watchers` lists them). */
  watchers: number;
  /** Open beads not waiting on a dependency, and open beads that are. */
  readyBeads: number;
  blockedBeads: number;
  /** Beads on its longest dependency chain (1 without dependencies). */
  waves: number;
  /** The earliest active pause cause's time and reason (null when running), and every active cause. */
  pausedAt: string | null;
  pauseReason: string | null;
  pauses: Pause[];
  /** Cost reported against its beads (the town's cost unit), and its budget (null: none). */
  spent: number;
  budget: number | null;
}

/**
 * `convoy.create` / `convoy.addBeads`: the convoy, and the ids of the call's beads in the order given
 * (`beadIds[i]` is `beads[i]`), so a caller can close them without paging the convoy.
 */
export interface ConvoyWithBeadIds extends Convoy {
  beadIds: string[];
  /** Rigs still to receive beads of the convoy: 0 once each holds them all (at once, unless `waitForRigs: false`). */
  pendingDeliveries: number;
}

/** `convoy.create`: also the watchers it added, in the order given, with each webhook watcher's secret (shown once). */
export interface CreatedConvoy extends ConvoyWithBeadIds {
  newWatchers: NewWatcher[];
}

/** The wire form of the row's `rig_progress` ({rigId: [total, closed, failed?, skipped?]}): one entry per rig, by rig id. */
export function toRigProgress(column: Record<string, RigProgressEntry>): RigProgress[] {
  return Object.entries(column)
    .map(([rigId, [totalBeads, closedBeads, failedBeads = 0, skippedBeads = 0]]) => ({
      rigId,
      totalBeads,
      closedBeads,
      doneBeads: closedBeads - failedBeads - skippedBeads,
      failedBeads,
      skippedBeads,
    }))
    .sort((a, b) => (a.rigId < b.rigId ? -1 : a.rigId > b.rigId ? 1 : 0));
}

/** `pauses`: the convoy's active causes (pauses.ts), earliest first; none for a convoy just created. */
export const toConvoy = (row: typeof convoys.$inferSelect, now: Date, pauses: readonly Pause[] = []): Convoy => ({
  ...toSummary(row),
  rigs: toRigProgress(row.rigProgress),
  dueAt: row.dueAt,
  forecast: forecast(row, now),
  watchers: row.watchers,
  readyBeads: Math.max(row.totalBeads - row.closedBeads - row.blockedBeads, 0),
  blockedBeads: row.blockedBeads,
  waves: row.waves,
  ...pauseView(pauses),
  spent: row.spent,
  budget: row.budget,
});

export function toSummary(row: typeof convoys.$inferSelect): ConvoySummary {
  const { id, title, status, totalBeads, closedBeads, doneBeads, failedBeads, skippedBeads, maxAttempts, requireRef } = row;
  const { priority, createdBy, createdAt, landedAt, failedAt, lastProgressAt, compactedAt } = row;
  return {
    ...{ id, title, status, totalBeads, closedBeads, doneBeads, failedBeads, skippedBeads, maxAttempts, requireRef, priority },
    ...{ createdBy, createdAt, landedAt, failedAt, lastProgressAt, compactedAt },
  };
}

export function toConvoyBead(
  row: Pick<
    typeof convoyBeads.$inferSelect,
    'beadId' | 'rigId' | 'title' | 'status' | 'outcome' | 'attempt' | 'heldBy' | 'ref' | 'key' | 'dependsOn' | 'waitingOn' | 'spent'
  >,
): ConvoyBead {
  const { beadId: id, rigId, title, status, outcome, attempt, heldBy, ref, key, dependsOn, waitingOn, spent } = row;
  return {
    id,
    rigId,
    title,
    status,
    outcome,
    attempt,
    heldBy,
    ref,
    key,
    dependsOn: dependsOn ?? [],
    blocked: status === 'open' && waitingOn > 0,
    spent,
  };
}
