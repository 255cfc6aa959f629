import { DurableObject } from 'cloudflare:workers';
import { outcome } from '../core/errors';
import { type DoIdentity, learnIdentity } from '../core/identity';
import { forgetArmedAlarm, rearm, runDueTasks } from '../core/scheduler';
import * as beads from './beads';
import { breaker, type LoopSettings, resetBreaker } from './breaker';
import * as claims from './claims';
import * as dependencies from './dependencies';
import * as outcomes from './outcomes';
import * as pauses from './pauses';
import type { RigContext } from './rig-context';
import { openRigDb, type RigDb } from './rig-db';
import { allRigTaskHandlers } from './rig-tasks';

/** One per rig (`RIG.idFromName(`${townId}/${rigId}`)`): holds the rig's beads; a thin RPC surface over them. */
export class RigDO extends DurableObject<Env> {
  private db!: RigDb;
  private identity: DoIdentity | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openRigDb(ctx.storage);
      this.identity = learnIdentity(ctx.id, beads.rigIdentityRow({ db: this.db }), new Date());
    });
  }

  private context(): RigContext {
    return {
      db: this.db,
      env: this.env,
      now: () => new Date(),
      townId: this.identity?.townId ?? null,
      rigId: this.identity?.rigId ?? null,
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
      await runDueTasks(this.db, Date.now(), allRigTaskHandlers(this.context()), { rigId: this.context().rigId });
    } finally {
      await rearm(this.ctx.storage, this.db);
    }
  }

  health(): { ok: true } {
    return { ok: true };
  }

  receiveBeads(townId: string, convoyId: string, incoming: beads.IncomingBead[], policy?: beads.BeadPolicy) {
    return this.run((c) => beads.receiveBeads(c, townId, convoyId, incoming, policy));
  }

  retryFailedBeads(convoyId: string, beadIds?: string[]) {
    return this.run((c) => outcomes.retryFailedBeads(c, convoyId, beadIds));
  }

  unblockBeads(convoyId: string, beadIds: string[]) {
    return this.run((c) => dependencies.unblockBeads(c, convoyId, beadIds));
  }

  skipBeads(convoyId: string, beadIds: string[], reason: string) {
    return this.run((c) => dependencies.skipBeads(c, convoyId, beadIds, reason));
  }

  setConvoyPriority(convoyId: string, priority: number) {
    return this.run((c) => beads.setConvoyPriority(c, convoyId, priority));
  }

  claimBead(input: claims.ClaimInput) {
    return this.run((c) => outcome(() => claims.claimBead(c, input)));
  }

  renewLease(input: { beadId: string; agentId: string; leaseSeconds?: number }) {
    return this.run((c) => outcome(() => claims.renewLease(c, input)));
  }

  releaseBead(input: { beadId: string; agentId: string }) {
    return this.run((c) => outcome(() => claims.releaseBead(c, input)));
  }

  /** The town telling this rig a pause of the town or of a convoy (versioned: an older message changes nothing). */
  setPaused(scope: string, paused: boolean, version: number) {
    return this.run((c) => c.db.transaction(() => pauses.setPaused(c, scope, paused, version)));
  }

  /** The convoy of a bead of this rig (a cost report's target); NOT_FOUND for a bead it does not hold. */
  beadConvoy(beadId: string) {
    return this.run((c) => outcome(() => beads.beadConvoy(c, beadId)));
  }

  breaker() {
    return this.run((c) => breaker(c));
  }

  resetBreaker(settings?: LoopSettings) {
    return this.run((c) => c.db.transaction(() => resetBreaker(c, settings)));
  }

  cancelConvoy(townId: string, convoyId: string) {
    return this.run((c) => beads.cancelConvoy(c, townId, convoyId));
  }

  closeBead(input: outcomes.CloseInput) {
    return this.run((c) => outcome(() => outcomes.closeBead(c, input)));
  }

  listBeads(filter: beads.BeadFilter & { limit?: number; cursor?: string }) {
    return this.run((c) => outcome(() => beads.listBeads(c, filter)));
  }
}
