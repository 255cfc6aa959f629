import { DurableObject } from 'cloudflare:workers';
import * as convoys from '../convoys/convoys';
import type { ConvoyContext } from '../convoys/delivery';
import { convoyTaskHandlers } from '../convoys/delivery';
import type { ConvoyStatus } from '../convoys/views';
import { type Outcome, outcome } from '../errors';
import * as escalations from '../escalations/escalations';
import { REESCALATE_TASK_KIND, reEscalateTask } from '../escalations/reescalation-task';
import { setRouting } from '../escalations/routing-update';
import * as eventLog from '../events/log';
import { recordDeliveryEvent } from '../events/notification-events';
import { deliverOutboxTask } from '../notify/delivery';
import { DELIVERY_TASK_KIND } from '../notify/outbox';
import * as routing from '../notify/routing';
import * as rigs from '../rigs/registry';
import { rearm, runDueTasks, type TaskHandler } from '../scheduler';
import { HEARTBEAT_TASK_KIND, registerRigWithHeartbeat } from '../watchdog/heartbeat-schedule';
import * as watchdog from '../watchdog/watchdog';
import type { TownContext } from './context';
import { openTownDb, type TownDb } from './db';
import { claimTown, storedTownId } from './identity';
import { maintenanceTask } from './maintenance';
import { MAINTENANCE_TASK_KIND } from './maintenance-schedule';
import * as settings from './settings';
import { townStats } from './stats';

/** One per town (`TOWN.idFromName(townId)`): a thin RPC surface over the town's logic modules. */
export class TownDO extends DurableObject<Env> {
  private db!: TownDb;
  private townId: string | null = null;
  /** The watchdog's timeouts and thresholds; tests tune them on the live instance. */
  watchdogOptions: watchdog.WatchdogOptions = watchdog.DEFAULT_WATCHDOG_OPTIONS;
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
      ...convoyTaskHandlers(ctx),
      [HEARTBEAT_TASK_KIND]: watchdog.heartbeatTask(ctx, this.watchdogOptions),
      [DELIVERY_TASK_KIND]: (task) => deliverOutboxTask(ctx, task, this.deliveriesInFlight, recordDeliveryEvent),
      [REESCALATE_TASK_KIND]: (task) => reEscalateTask(ctx, task),
      [MAINTENANCE_TASK_KIND]: maintenanceTask(ctx, () => this.ctx.storage.sql.databaseSize),
    };
  }

  override async alarm(): Promise<void> {
    try {
      if (this.townId) await runDueTasks(this.db, Date.now(), this.taskHandlers(this.context(this.townId)), { townId: this.townId });
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  registerRig(townId: string, input: { name: string }) {
    return this.run(townId, (c) => registerRigWithHeartbeat(c, input));
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

  /** `run` for convoy work, whose modules arm the alarm between committing deliveries and trying them. */
  private convoy<T>(townId: string, fn: (ctx: ConvoyContext) => T | Promise<T>) {
    return this.run(townId, (c) => fn({ ...c, armAlarm: () => rearm(this.ctx.storage, this.db) }));
  }

  createConvoy(townId: string, input: convoys.CreateConvoyInput) {
    return this.convoy(townId, (c) => convoys.createConvoy(c, input));
  }

  addConvoyBeads(townId: string, input: { convoyId: string; beads: convoys.NewBead[]; idempotencyKey?: string }) {
    return this.convoy(townId, (c) => convoys.addBeads(c, input));
  }

  /** A rig's report that a convoy bead closed (RigDO → TownDO, retried by the rig until it lands). */
  onBeadClosed(townId: string, convoyId: string, beadId: string) {
    return this.run(townId, (c) => convoys.beadClosed(c, { convoyId, beadId }));
  }

  cancelConvoy(townId: string, convoyId: string) {
    return this.convoy(townId, (c) => convoys.cancelConvoy(c, convoyId));
  }

  getConvoy(townId: string, convoyId: string) {
    return this.run(townId, (c) => convoys.getConvoy(c, convoyId));
  }

  listConvoys(townId: string, input: { status?: ConvoyStatus; limit?: number; cursor?: string }) {
    return this.run(townId, (c) => convoys.listConvoys(c, input));
  }

  // Watchdog

  watchdogStatus(townId: string) {
    return this.run(townId, (c) => watchdog.watchdogStatus(c));
  }

  watchdogHeartbeat(townId: string) {
    return this.run(townId, (c) => watchdog.runHeartbeat(c, this.watchdogOptions));
  }

  watchdogHistory(townId: string, input: { target?: string; limit?: number }) {
    return this.run(townId, (c) => watchdog.watchdogHistory(c, input));
  }
  // Escalations

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
    return this.run(townId, (c) => setRouting(c, update));
  }

  // The event log

  listEvents(townId: string, input: eventLog.EventFilter & { after?: string; limit?: number }) {
    return this.run(townId, (c) => eventLog.listEvents(c, input));
  }

  // Settings

  getSettings(townId: string) {
    return this.run(townId, (c) => settings.getSettings(c));
  }

  setSettings(townId: string, update: settings.TownSettingsUpdate) {
    return this.run(townId, (c) => settings.setSettings(c, update));
  }

  stats(townId: string) {
    return this.run(townId, (c) => townStats(c, this.ctx.storage.sql.databaseSize));
  }
}
