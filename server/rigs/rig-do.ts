import { DurableObject } from 'cloudflare:workers';
import { outcome } from '../core/errors';
import { identityOf } from '../core/identity';
import { forgetArmedAlarm, rearm, runDueTasks } from '../core/scheduler';
import * as beads from './beads';
import type { RigContext } from './rig-context';
import { openRigDb, type RigDb } from './rig-db';
import { rigTaskHandlers } from './town-notify';

/** One per rig (`RIG.idFromName(`${townId}/${rigId}`)`): holds the rig's beads; a thin RPC surface over them. */
export class RigDO extends DurableObject<Env> {
  private db!: RigDb;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openRigDb(ctx.storage);
    });
  }

  private context(): RigContext {
    return {
      db: this.db,
      env: this.env,
      now: () => new Date(),
      rigId: identityOf(this.ctx.id).rigId,
      armAlarm: () => rearm(this.ctx.storage, this.db),
    };
  }

  /** Runs `fn` and re-arms the alarm for whatever it scheduled or finished. */
  private async run<T>(fn: (ctx: RigContext) => T | Promise<T>): Promise<T> {
    try {
      return await fn(this.context());
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  override async alarm(): Promise<void> {
    forgetArmedAlarm(this.ctx.storage);
    try {
      await runDueTasks(this.db, Date.now(), rigTaskHandlers(this.context()), { rigId: this.context().rigId });
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  health(): { ok: true } {
    return { ok: true };
  }

  receiveBeads(townId: string, convoyId: string, incoming: beads.IncomingBead[]) {
    return this.run((c) => beads.receiveBeads(c, townId, convoyId, incoming));
  }

  cancelConvoy(townId: string, convoyId: string) {
    return this.run((c) => beads.cancelConvoy(c, townId, convoyId));
  }

  closeBead(beadId: string) {
    return this.run((c) => outcome(() => beads.closeBead(c, beadId)));
  }

  listBeads(filter: beads.BeadFilter & { limit?: number; cursor?: string }) {
    return this.run((c) => outcome(() => beads.listBeads(c, filter)));
  }
}
