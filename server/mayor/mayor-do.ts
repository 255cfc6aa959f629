import { DurableObject } from 'cloudflare:workers';
import { type Outcome, outcome } from '../errors';
import { type MayorContext, type MayorDb, openMayorDb } from './db';
import * as mailbox from './mailbox';

/** One per town (`MAYOR.idFromName(townId)`): the Mayor's mailbox, a thin RPC surface over `mailbox.ts`. */
export class MayorDO extends DurableObject<Env> {
  private db!: MayorDb;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openMayorDb(ctx.storage);
    });
  }

  private run<T>(fn: (ctx: MayorContext) => T): Promise<Outcome<T>> {
    return outcome(() => fn({ db: this.db, now: () => new Date(), townId: this.ctx.id.name ?? null }));
  }

  receiveMail(input: mailbox.IncomingMail) {
    return this.run((c) => mailbox.receiveMail(c, input));
  }

  listMail(filter: { unread?: boolean; limit?: number; cursor?: string }) {
    return this.run((c) => mailbox.listMail(c, filter));
  }

  markRead(mailId: string) {
    return this.run((c) => mailbox.markRead(c, mailId));
  }
}

/** The MayorDO of `townId`. */
export function mayorStub(env: Env, townId: string) {
  return env.MAYOR.get(env.MAYOR.idFromName(townId));
}
