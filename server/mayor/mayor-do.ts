import { DurableObject } from 'cloudflare:workers';
import { createTownClient } from '../../client/index';
import { mayor } from '../../schema/mayor';
import { type Outcome, outcome } from '../core/errors';
import { assertServes, type IdentityRow, learnIdentity } from '../core/identity';
import { BRIEFING_LIST_LIMIT, type Briefing, buildBriefing } from './briefing';
import { type MayorContext, type MayorDb, openMayorDb } from './db';
import * as mailbox from './mailbox';
import { TownCredential } from './town-credential';

/** Where a MayorDO keeps whom it serves: the one `mayor` row. */
function mayorRow(db: MayorDb): IdentityRow {
  return {
    kind: 'mayor',
    read: () => {
      const row = db.select({ townId: mayor.townId }).from(mayor).get();
      return row && { townId: row.townId, rigId: null };
    },
    write: ({ townId }, at) => void db.insert(mayor).values({ townId, createdAt: at }).run(),
  };
}

/** One per town (`MAYOR.idFromName(townId)`): the Mayor's mailbox, a thin RPC surface over `mailbox.ts`. */
export class MayorDO extends DurableObject<Env> {
  private db!: MayorDb;
  private credential: TownCredential | null = null;
  private townId: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.db = await openMayorDb(ctx.storage);
      this.townId = learnIdentity(ctx.id, mayorRow(this.db), new Date())?.townId ?? null;
    });
  }

  private context(): MayorContext {
    return { db: this.db, now: () => new Date(), townId: this.townId };
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
  async briefing(townId: string): Promise<Outcome<Briefing>> {
    const served = await outcome(() => assertServes(this.townId, townId));
    if (!served.ok) return served;
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
