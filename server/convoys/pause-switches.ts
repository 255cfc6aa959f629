import { eq, sql } from 'drizzle-orm';
import { convoys, rigs } from '../../schema/town';
import type { TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { getConvoy } from './convoys';
import type { ConvoyContext } from './delivery';
import {
  activePauses,
  addPause,
  type Pause,
  type PauseCause,
  pauseView,
  removePause,
  schedulePauseTells,
  TOWN_SCOPE,
  tellRigsNow,
} from './pauses';
import { type Convoy, toSummary } from './views';
import { notifyWatchers } from './watchers';

// The pause switches: convoy.pause / convoy.resume and town.pause / town.resume (and the budget's own
// cause, budgets.ts). A change is recorded with its event in one transaction with one task per rig
// concerned; the call answers once the rigs were told (the alarm retries a rig that did not answer).

export interface PauseChange {
  cause: PauseCause;
  reason: string;
  by: string;
}

/** Adds (or lifts) one cause of a convoy's pause, in the caller's transaction; the rig tasks to try. */
export function changeConvoyPause(ctx: TownContext, convoyId: string, change: PauseChange, pause: boolean): string[] {
  const convoy = ctx.db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!convoy) throw notFound('convoy', convoyId);
  if (pause && convoy.status !== 'active') throw new DomainError('CONFLICT', `convoy ${convoyId} is ${convoy.status}, not active`);
  const changed = pause ? addPause(ctx, convoyId, change) : removePause(ctx, convoyId, change.cause);
  if (!changed) return []; // a repeat: that cause is already (or no longer) active
  ctx.db
    .update(convoys)
    .set({ pauseCauses: sql`${convoys.pauseCauses} + ${pause ? 1 : -1}` })
    .where(eq(convoys.id, convoyId))
    .run();
  const data = { cause: change.cause, reason: pause ? change.reason : changed.reason, by: change.by };
  const type = pause ? 'convoy.paused' : 'convoy.resumed';
  const eventId = appendEvent(ctx, { type, convoyId, data });
  logEvent('info', type, { townId: ctx.townId, convoyId, ...data });
  if (pause) notifyWatchers(ctx, convoy, { eventId, type: 'convoy.paused', data: { ...toSummary(convoy), ...data } });
  return schedulePauseTells(ctx, convoyId, Object.keys(convoy.rigProgress));
}

/** Adds (or lifts) one cause of the town's pause, in the caller's transaction; the rig tasks to try. */
export function changeTownPause(ctx: TownContext, change: PauseChange, pause: boolean): string[] {
  const changed = pause ? addPause(ctx, TOWN_SCOPE, change) : removePause(ctx, TOWN_SCOPE, change.cause);
  if (!changed) return [];
  const data = { cause: change.cause, reason: pause ? change.reason : changed.reason, by: change.by };
  const type = pause ? 'town.paused' : 'town.resumed';
  appendEvent(ctx, { type, data });
  logEvent('info', type, { townId: ctx.townId, ...data });
  // Every rig of the town (the claim path also reads the town's pause, for a rig registered meanwhile).
  const rigIds = ctx.db.select({ id: rigs.id }).from(rigs).all();
  return schedulePauseTells(
    ctx,
    TOWN_SCOPE,
    rigIds.map((r) => r.id),
  );
}

/** `convoy.pause` / `convoy.resume` (by hand): answers the convoy's pauses once its rigs hold them. */
export async function switchConvoy(ctx: ConvoyContext, convoyId: string, change: PauseChange, pause: boolean): Promise<Convoy> {
  const taskIds = ctx.db.transaction(() => changeConvoyPause(ctx, convoyId, change, pause));
  await tellRigsNow(ctx, taskIds);
  return getConvoy(ctx, convoyId);
}

/** `town.pause` / `town.resume` (by hand): answers the town's status once its rigs hold the change. */
export async function switchTown(ctx: ConvoyContext, change: PauseChange, pause: boolean): Promise<TownStatus> {
  const taskIds = ctx.db.transaction(() => changeTownPause(ctx, change, pause));
  await tellRigsNow(ctx, taskIds);
  return townStatus(ctx);
}

export interface TownStatus {
  paused: boolean;
  pauseReason: string | null;
  pausedAt: string | null;
  pauses: Pause[];
}

/** `town.status`: at most one row per pause cause. */
export function townStatus(ctx: TownContext): TownStatus {
  const view = pauseView(activePauses(ctx, TOWN_SCOPE));
  return { paused: view.pausedAt !== null, ...view };
}
