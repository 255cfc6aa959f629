import { desc, gt, isNull, lte, or } from 'drizzle-orm';
import { webhookSecrets } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';

// Each town signs its webhooks with its own secret (`whsec_…`), so one town's receiver cannot forge
// another's. A rotation keeps the previous secret signing for 24 h beside the new one (Standard
// Webhooks allows several `v1,` signatures in one header), then only the new one signs.

export const SECRET_OVERLAP_MS = 24 * 3600 * 1000;
const SECRET_KEY_BYTES = 32;

/** A fresh `whsec_…` secret (32 random bytes), as Svix gives each endpoint. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_KEY_BYTES));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

function currentRow(ctx: TownContext) {
  return ctx.db.select().from(webhookSecrets).where(isNull(webhookSecrets.retiresAt)).orderBy(desc(webhookSecrets.createdAt)).get();
}

function insertSecret(ctx: TownContext): string {
  const secret = newSecret();
  ctx.db
    .insert(webhookSecrets)
    .values({ id: crypto.randomUUID(), secret, createdAt: iso(ctx.now()) })
    .run();
  return secret;
}

/** The town's first secret, created with its first webhook URL; null when it already has one. */
export function ensureSigningSecret(ctx: TownContext): string | null {
  if (currentRow(ctx)) return null;
  const secret = insertSecret(ctx);
  logEvent('info', 'webhook.signing_secret_created', { townId: ctx.townId });
  return secret;
}

export interface RotatedSecret {
  /** The new secret; this answer is the only place it ever appears. */
  signingSecret: string;
  /** Until when the previous secret still signs too (null when there was none). */
  previousRetiresAt: string | null;
}

/** A new secret; the one it replaces keeps signing for `SECRET_OVERLAP_MS`. One transaction. */
export function rotateSigningSecret(ctx: TownContext): RotatedSecret {
  const now = ctx.now();
  return ctx.db.transaction(() => {
    ctx.db
      .delete(webhookSecrets)
      .where(lte(webhookSecrets.retiresAt, iso(now)))
      .run();
    const previous = currentRow(ctx);
    const previousRetiresAt = previous ? iso(new Date(now.getTime() + SECRET_OVERLAP_MS)) : null;
    if (previousRetiresAt)
      ctx.db.update(webhookSecrets).set({ retiresAt: previousRetiresAt }).where(isNull(webhookSecrets.retiresAt)).run();
    const signingSecret = insertSecret(ctx);
    logEvent('info', 'webhook.signing_secret_rotated', { townId: ctx.townId, previousRetiresAt });
    return { signingSecret, previousRetiresAt };
  });
}

/** The secrets that sign the town's own webhook now: the current one first, then any still in overlap. */
export function townSigningSecrets(ctx: TownContext): string[] {
  return ctx.db
    .select({ secret: webhookSecrets.secret })
    .from(webhookSecrets)
    .where(or(isNull(webhookSecrets.retiresAt), gt(webhookSecrets.retiresAt, iso(ctx.now()))))
    .orderBy(desc(webhookSecrets.createdAt))
    .all()
    .map((row) => row.secret);
}

/** What `getRouting` may say of the secrets: whether one exists and when it was last rotated. */
export function signingSecretState(ctx: TownContext): { exists: boolean; rotatedAt: string | null } {
  const current = currentRow(ctx);
  const rotated = ctx.db.select({ retiresAt: webhookSecrets.retiresAt }).from(webhookSecrets).orderBy(desc(webhookSecrets.retiresAt)).get();
  return { exists: current !== undefined, rotatedAt: current && rotated?.retiresAt ? current.createdAt : null };
}
