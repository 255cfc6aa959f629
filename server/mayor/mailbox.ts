import { and, desc, eq, isNull } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { mail } from '../../schema/mayor';
import { notFound } from '../core/errors';
import { logEvent } from '../core/log';
import { DEFAULT_PAGE_SIZE, olderThanCursor, type Page, toPage } from '../core/pagination';
import type { MayorContext } from './db';

export interface IncomingMail {
  /** The sender's stable id (the outbox event id): receiving the same id twice keeps one mail. */
  id: string;
  type: string;
  subject: string;
  body: string;
  data: JsonObject;
  sentAt: string;
}

export interface Mail extends IncomingMail {
  receivedAt: string;
  read: boolean;
  readAt: string | null;
}

type MailRow = typeof mail.$inferSelect;

/** The wire shape, field by field, so a column added later does not leak. */
const toMail = (row: MailRow): Mail => ({
  id: row.id,
  type: row.type,
  subject: row.subject,
  body: row.body,
  data: row.data,
  sentAt: row.sentAt,
  receivedAt: row.receivedAt,
  read: row.readAt !== null,
  readAt: row.readAt,
});

function findMail({ db }: MayorContext, id: string): MailRow | undefined {
  return db.select().from(mail).where(eq(mail.id, id)).get();
}

/** Stores a mail unless one with its id is already there; returns the stored mail and whether it was new. */
export function receiveMail(ctx: MayorContext, input: IncomingMail): { mail: Mail; created: boolean } {
  const inserted = ctx.db
    .insert(mail)
    .values({ ...input, receivedAt: ctx.now().toISOString() })
    .onConflictDoNothing()
    .returning()
    .get();
  const row = inserted ?? findMail(ctx, input.id);
  if (!row) throw new Error(`mail ${input.id} vanished while being received`);
  logEvent('info', 'mayor.mail_received', { townId: ctx.townId, mailId: input.id, type: input.type, created: inserted !== undefined });
  return { mail: toMail(row), created: inserted !== undefined };
}

/** The mailbox, newest first, optionally only unread mail. */
export function listMail({ db }: MayorContext, filter: { unread?: boolean; limit?: number; cursor?: string }): Page<Mail> {
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  const rows = db
    .select()
    .from(mail)
    .where(and(filter.unread ? isNull(mail.readAt) : undefined, olderThanCursor(mail.receivedAt, mail.id, filter.cursor)))
    .orderBy(desc(mail.receivedAt), desc(mail.id))
    .limit(limit + 1)
    .all();
  return toPage(rows, limit, (r) => ({ at: r.receivedAt, id: r.id }), toMail);
}

/** Marks a mail read; marking it again keeps the first `readAt`. */
export function markRead(ctx: MayorContext, mailId: string): Mail {
  const updated = ctx.db
    .update(mail)
    .set({ readAt: ctx.now().toISOString() })
    .where(and(eq(mail.id, mailId), isNull(mail.readAt)))
    .returning()
    .get();
  const row = updated ?? findMail(ctx, mailId);
  if (!row) throw notFound('mail', mailId);
  if (updated) logEvent('info', 'mayor.mail_read', { townId: ctx.townId, mailId });
  return toMail(row);
}
