import { DurableObject } from 'cloudflare:workers';
import { type Outcome, outcome } from '../errors';
import { rearm, runDueTasks, type TaskHandler } from '../scheduler';
import type { TownContext } from './context';
import { openTownDb, type TownDb } from './db';
import { deliverOutboxTask } from './delivery';
import * as escalations from './escalations';
import { claimTown, storedTownId } from './identity';
import { DELIVERY_TASK_KIND } from './outbox';
import { REESCALATE_TASK_KIND, reEscalateTask } from './reescalation-task';
import * as rigs from './rigs';
import * as routing from './routing';

/** One per town (`TOWN.idFromName(townId)`): a thin RPC surface over the town's logic modules. */
export class TownDO extends DurableObject<Env> {
  private db!: TownDb;
  private townId: string | null = null;
  // Outbox rows being delivered by this instance right now (see deliverOutboxTask).
  private readonly deliveriesInFlight = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openTownDb(ctx.storage);
      this.townId = storedTownId(this.db);
    });
  }

  private context(townId: string): TownContext {
    return { db: this.db, env: this.env, townId, now: () => new Date() };
  }

  /** Binds the DO to its town on first use, runs `fn`, and re-arms the alarm for whatever it scheduled. */
  private async run<T>(townId: string, fn: (ctx: TownContext) => T | Promise<T>): Promise<Outcome<T>> {
    if (this.townId !== townId) {
      claimTown(this.db, townId, new Date());
      this.townId = townId;
    }
    try {
      return await outcome(() => fn(this.context(townId)));
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  /** Handlers of the scheduled task kinds, by kind. */
  private taskHandlers(ctx: TownContext): Record<string, TaskHandler> {
    return {
      // --- escalations / outbox ---
      [DELIVERY_TASK_KIND]: (task) => deliverOutboxTask(ctx, task, this.deliveriesInFlight),
      [REESCALATE_TASK_KIND]: (task) => reEscalateTask(ctx, task),
      // --- end escalations / outbox ---
    };
  }

  override async alarm(): Promise<void> {
    try {
      if (this.townId) await runDueTasks(this.db, Date.now(), this.taskHandlers(this.context(this.townId)));
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  registerRig(townId: string, input: { name: string }) {
    return this.run(townId, (c) => rigs.registerRig(c, input));
  }

  listRigs(townId: string) {
    return this.run(townId, (c) => rigs.listRigs(c));
  }

  getRig(townId: string, rigId: string) {
    return this.run(townId, (c) => rigs.getRig(c, rigId));
  }

  removeRig(townId: string, rigId: string) {
    return this.run(townId, (c) => rigs.removeRig(c, rigId));
  }

  // --- escalations ---

  raiseEscalation(townId: string, input: escalations.RaiseEscalationInput) {
    return this.run(townId, (c) => escalations.raiseFromRig(c, input));
  }

  acknowledgeEscalation(townId: string, input: { escalationId: string; by?: string }) {
    return this.run(townId, (c) => escalations.acknowledgeEscalation(c, input));
  }

  getEscalation(townId: string, escalationId: string) {
    return this.run(townId, (c) => escalations.getEscalation(c, escalationId));
  }

  listEscalations(townId: string, filter: escalations.EscalationFilter) {
    return this.run(townId, (c) => escalations.listEscalations(c, filter));
  }

  escalationDeliveries(townId: string, escalationId: string) {
    return this.run(townId, (c) => escalations.escalationDeliveries(c, escalationId));
  }

  getEscalationRouting(townId: string) {
    return this.run(townId, (c) => routing.getRouting(c));
  }

  setEscalationRouting(townId: string, update: routing.RoutingUpdate) {
    return this.run(townId, (c) => routing.setRouting(c, update));
  }

  // --- end escalations ---
}
