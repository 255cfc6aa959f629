import { DurableObject } from 'cloudflare:workers';
import { town } from '../../schema/town';
import { type TownCall, UNAUTHORIZED_MESSAGE } from '../auth/access';
import * as tokens from '../auth/tokens';
import { NEW_DAY_TASK_KIND, reviewTownBudget } from '../convoys/budgets';
import type { ConvoyContext } from '../convoys/delivery';
import { convoyTaskHandlers } from '../convoys/delivery';
import { pauseTaskHandlers } from '../convoys/pauses';
import { STRANDED_TASK_KIND, strandedTask } from '../convoys/progress';
import type { TownContext } from '../core/context';
import { type Outcome, outcome } from '../core/errors';
import { assertServes, type IdentityRow, learnIdentity } from '../core/identity';
import { forgetArmedAlarm, rearm, runDueTasks, type TaskHandler } from '../core/scheduler';
import { openTownDb, type TownDb } from '../core/town-db';
import { flushGroupTask, GROUP_FLUSH_TASK_KIND } from '../escalations/grouping';
import { REESCALATE_TASK_KIND, reEscalateTask } from '../escalations/reescalation-task';
import * as silences from '../escalations/silences';
import { recordDeliveryEvent } from '../events/notification-events';
import { EventHub } from '../events/stream';
import { deliverOutboxTask } from '../notify/delivery';
import { DELIVERY_TASK_KIND } from '../notify/outbox';
import { ensurePruneScheduled, pruneTask } from '../retention/event-prune';
import { EVENT_PRUNE_TASK_KIND } from '../retention/event-prune-schedule';
import { maintenanceTask } from '../retention/maintenance';
import { MAINTENANCE_TASK_KIND } from '../retention/maintenance-schedule';
import { HEARTBEAT_TASK_KIND } from '../watchdog/heartbeat-schedule';
import * as watchdog from '../watchdog/watchdog';
import { TEST_HOOKS, type TownTestHooks } from './test-hooks';

/** Where a TownDO keeps whom it serves: the one `town` row. */
function townRow(db: TownDb): IdentityRow {
  return {
    kind: 'town',
    read: () => {
      const row = db.select({ id: town.id }).from(town).get();
      return row && { townId: row.id, rigId: null };
    },
    write: ({ townId }, at) => void db.insert(town).values({ id: townId, createdAt: at }).run(),
  };
}

/**
 * What every TownDO call stands on: the database opened under blockConcurrencyWhile, the town it
 * serves, the context handed to the logic modules, `run` (revocation check, its own town only, re-arm),
 * the alarm over the scheduled tasks, and the test hooks. The RPC surface is TownDO's (town-do.ts).
 */
export abstract class TownRuntime extends DurableObject<Env> {
  protected db!: TownDb;
  protected townId: string | null = null;
  protected watchdogOptions: watchdog.WatchdogOptions = watchdog.DEFAULT_WATCHDOG_OPTIONS;
  // Outbox rows being delivered by this instance right now (see deliverOutboxTask).
  private readonly deliveriesInFlight = new Set<string>();
  /** Live event subscribers of this instance; they end with it, and resume from the log. */
  protected readonly eventHub = new EventHub(() => (this.townId ? this.context(this.townId) : null));

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openTownDb(ctx.storage);
      this.townId = learnIdentity(ctx.id, townRow(this.db), new Date())?.townId ?? null;
      // A wake-up makes sure the event log's pruning is scheduled (a town that stopped its heartbeat too).
      if (this.townId) {
        ensurePruneScheduled(this.context(this.townId));
        await rearm(ctx.storage, this.db);
      }
    });
  }

  /** For tests only (town/test-hooks.ts). */
  [TEST_HOOKS](): TownTestHooks {
    return {
      eventHub: this.eventHub,
      deliveriesInFlight: () => this.deliveriesInFlight.size,
      tuneWatchdog: (options) => {
        this.watchdogOptions = options;
      },
    };
  }

  protected context(townId: string): TownContext {
    return { db: this.db, env: this.env, townId, now: () => new Date(), eventAppended: () => this.eventHub.eventAppended() };
  }

  /**
   * Checks the caller's token against its revocations (a call made with a scoped token), refuses a
   * call for another town (the DO learnt its own from its name), runs `fn`, and re-arms the alarm for whatever it scheduled.
   */
  protected async run<T>(call: TownCall, fn: (ctx: TownContext) => T | Promise<T>): Promise<Outcome<T>> {
    const townId = typeof call === 'string' ? call : call.townId;
    // Before anything is written: a refused call leaves the town as it was.
    if (typeof call !== 'string' && !tokens.tokenIsLive(this.db, this.townId, call)) {
      return { ok: false, code: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE };
    }
    try {
      return await outcome(() => {
        assertServes(this.townId, townId);
        return fn(this.context(townId));
      });
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  /** Handlers of the scheduled task kinds, by kind. */
  private taskHandlers(ctx: TownContext): Record<string, TaskHandler> {
    return {
      ...convoyTaskHandlers(ctx),
      ...pauseTaskHandlers(ctx),
      [NEW_DAY_TASK_KIND]: async () => {
        await reviewTownBudget({ ...ctx, armAlarm: () => rearm(this.ctx.storage, this.db) });
        return undefined;
      },
      [STRANDED_TASK_KIND]: (task) => strandedTask(ctx, task),
      [HEARTBEAT_TASK_KIND]: watchdog.heartbeatTask(ctx, this.watchdogOptions),
      [DELIVERY_TASK_KIND]: (task) => deliverOutboxTask(ctx, task, this.deliveriesInFlight, recordDeliveryEvent),
      [REESCALATE_TASK_KIND]: (task) => reEscalateTask(ctx, task),
      [EVENT_PRUNE_TASK_KIND]: () => pruneTask(ctx),
      [GROUP_FLUSH_TASK_KIND]: () => flushGroupTask(ctx),
      [silences.SILENCE_END_TASK_KIND]: (task) => silences.silenceEndTask(ctx, task),
      [MAINTENANCE_TASK_KIND]: maintenanceTask(ctx, () => this.ctx.storage.sql.databaseSize),
    };
  }

  override async alarm(): Promise<void> {
    forgetArmedAlarm(this.ctx.storage);
    try {
      if (this.townId) await runDueTasks(this.db, Date.now(), this.taskHandlers(this.context(this.townId)), { townId: this.townId });
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  /** `run` for convoy work, whose modules arm the alarm between committing deliveries and trying them. */
  protected convoy<T>(call: TownCall, fn: (ctx: ConvoyContext) => T | Promise<T>) {
    return this.run(call, (c) =>
      fn({ ...c, armAlarm: () => rearm(this.ctx.storage, this.db), inBackground: (work) => this.ctx.waitUntil(work) }),
    );
  }
}
