import { DurableObject } from 'cloudflare:workers';
import { createTownClient } from '../../client/index';
import { type Outcome, outcome } from '../core/errors';
import { identityOf } from '../core/identity';
import { BRIEFING_LIST_LIMIT, type Briefing, buildBriefing } from './briefing';
import { type MayorContext, type MayorDb, openMayorDb } from './db';
import * as mailbox from './mailbox';
import { TownCredential } from './town-credential';

/** One per town (`MAYOR.idFromName(townId)`): the Mayor's mailbox, a thin RPC surface over `mailbox.ts`. */
export class MayorDO extends DurableObject<Env> {
  private db!: MayorDb;
  private credential: TownCredential | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openMayorDb(ctx.storage);
    });
  }

  private context(): MayorContext {
    return { db: this.db, now: () => new Date(), townId: identityOf(this.ctx.id).townId };
  }

  private run<T>(fn: (ctx: MayorContext) => T): Promise<Outcome<T>> {
    return outcome(() => fn(this.context()));
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

  /** The town at a glance, read through the typed client over this Worker's own loopback binding, with a `town` token. */
  briefing(townId: string): Promise<Outcome<Briefing>> {
    this.credential ??= new TownCredential(this.env, townId);
    return this.credential.use((token) => {
      const town = createTownClient({
        url: 'https://town.internal',
        token,
        fetch: (input, init) => this.ctx.exports.default.fetch(new Request(input, init)),
      });
      const unread = mailbox.listMail(this.context(), { unread: true, limit: BRIEFING_LIST_LIMIT });
      return buildBriefing(town, townId, unread, new Date());
    });
  }
}
