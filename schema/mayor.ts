import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { JsonObject } from './json';

// Tables of one MayorDO's SQLite database (one Mayor per town). Timestamps are ISO-8601 text.

/** One row: the town this Mayor serves, learnt from the DO's name and kept (core/identity.ts). */
export const mayor = sqliteTable('mayor', {
  townId: text('town_id').primaryKey(),
  createdAt: text('created_at').notNull(),
});

/** The Mayor's mailbox: one row per mail, keyed by the sender's id (the outbox event id) so redelivery is a no-op. */
export const mail = sqliteTable(
  'mail',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(), // the notification type, e.g. `escalation.raised`
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    data: text('data', { mode: 'json' }).$type<JsonObject>().notNull(),
    sentAt: text('sent_at').notNull(),
    receivedAt: text('received_at').notNull(),
    readAt: text('read_at'),
  },
  (t) => [index('mail_received_idx').on(t.receivedAt, t.id), index('mail_unread_idx').on(t.readAt, t.receivedAt, t.id)],
);
