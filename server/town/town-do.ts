import { DurableObject } from 'cloudflare:workers';
import { type Outcome, outcome } from '../errors';
import type { TownContext } from './context';
import { openTownDb, type TownDb } from './db';
import { claimTown, storedTownId } from './identity';
import * as rigs from './rigs';

/** One per town (`TOWN.idFromName(townId)`): a thin RPC surface over the town's logic modules. */
export class TownDO extends DurableObject<Env> {
  private db!: TownDb;
  private townId: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openTownDb(ctx.storage);
      this.townId = storedTownId(this.db);
    });
  }

  /** Binds the DO to its town on first use and runs `fn` with the town's context. */
  private run<T>(townId: string, fn: (ctx: TownContext) => T | Promise<T>): Promise<Outcome<T>> {
    if (this.townId !== townId) {
      claimTown(this.db, townId, new Date());
      this.townId = townId;
    }
    return outcome(() => fn({ db: this.db, env: this.env, townId, now: () => new Date() }));
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
}
