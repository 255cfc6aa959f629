import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The town's scoped tokens and webhook signing secrets (TownDO tables).

/**
 * Every token issued for the town, by its JWT id (`jti`). The JWT itself is never stored: a token is
 * valid while its signature and `exp` check out AND its row is here with `revoked_at` null, so a
 * revocation takes effect on the next call (checked inside the TownDO call the procedure makes).
 */
export const authTokens = sqliteTable(
  'auth_tokens',
  {
    id: text('id').primaryKey(),
    role: text('role', { enum: ['town', 'rig'] }).notNull(),
    rigId: text('rig_id'),
    label: text('label'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
    // Who issued it: the admin, a `town` token, or the MayorDO for itself (not counted in the town's
    // live-token cap). Null on rows issued before it was recorded (counted).
    issuedBy: text('issued_by', { enum: ['admin', 'town', 'mayor'] }),
  },
  (t) => [index('auth_tokens_rig_idx').on(t.rigId), index('auth_tokens_created_idx').on(t.createdAt, t.id)],
);

/**
 * The town's webhook signing secrets (`whsec_…`), newest first by `created_at`. After a rotation the
 * previous one keeps signing until `retires_at` (24 h), so receivers can switch without a gap.
 */
export const webhookSecrets = sqliteTable('webhook_secrets', {
  id: text('id').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: text('created_at').notNull(),
  // Null while it is the current secret; set when a rotation replaces it.
  retiresAt: text('retires_at'),
});
