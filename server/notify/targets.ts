import { eq } from 'drizzle-orm';
import { escalationRouting } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import type { Channel } from './channel';
import { privateHostProblem } from './private-address';
import { townSigningSecrets } from './signing-secrets';

// Where notifications go: the town's webhook (and who signs it) and email addresses, over the
// environment's defaults. Which severity goes where is the escalations' routing (escalations/routing.ts).

export const ROUTING_ROW_ID = 1;

/** The town's webhook and email targets. */
export interface NotifyTargets {
  webhookUrl: string | null;
  /** Set when the endpoint answered 410 Gone: no more sends until the URL is set again. */
  webhookDisabled: { at: string; reason: string } | null;
  /** The webhook may use any port (else only 443, 80 and 8443). */
  webhookAllowAnyPort: boolean;
  emailTo: string | null;
  emailFrom: string;
}

const blankToNull = (value: string | undefined) => (value?.trim() ? value.trim() : null);

/** Ports a deployed town posts webhooks to unless its routing sets `webhookAllowAnyPort`. */
export const WEBHOOK_PORTS = ['443', '80', '8443'] as const;

/**
 * Why `url` cannot be a webhook endpoint, or null if it can. Deployed towns only post over https, to
 * a URL with no userinfo (`user:pass@` would land in logs, and is a classic way to smuggle a host),
 * on port 443, 80 or 8443 (unless `allowAnyPort`: the town's `webhookAllowAnyPort`), and never to an
 * address outside the public unicast internet (private-address.ts). Host names are not resolved: the
 * Workers runtime cannot open connections into private networks, so a name that resolves to one
 * reaches nothing; another runtime running this code would need its own egress rule. Local dev may
 * post over http to anything, e.g. `http://127.0.0.1:8787`.
 */
export function webhookUrlProblem(url: string, localDev: boolean, allowAnyPort = false): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'webhookUrl: not a valid URL';
  }
  if (localDev) return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? null : 'webhookUrl: must be an http: or https: URL';
  if (parsed.protocol !== 'https:') return 'webhookUrl: must be an https: URL';
  if (parsed.username || parsed.password) return 'webhookUrl: must not carry a user name or password';
  const port = parsed.port || '443';
  if (!allowAnyPort && !(WEBHOOK_PORTS as readonly string[]).includes(port)) {
    return `webhookUrl: port ${port} is not one of ${WEBHOOK_PORTS.join(', ')} (the town's webhookAllowAnyPort allows any)`;
  }
  const host = privateHostProblem(parsed.hostname);
  return host ? `webhookUrl: must not point at a ${host} address` : null;
}

/** The town's stored routing row (targets and routes), or undefined when it has set nothing. */
export function storedRoutingRow({ db }: TownContext) {
  return db.select().from(escalationRouting).where(eq(escalationRouting.id, ROUTING_ROW_ID)).get();
}

/** `stored`: the routing row when the caller has read it already (escalations/routing.ts), so it is read once. */
export function notifyTargets(ctx: TownContext, stored = storedRoutingRow(ctx)): NotifyTargets {
  const { env } = ctx;
  const webhookUrl = stored?.webhookUrl ?? blankToNull(env.ESCALATION_WEBHOOK_URL);
  return {
    webhookUrl,
    webhookDisabled:
      webhookUrl && stored?.webhookDisabledAt ? { at: stored.webhookDisabledAt, reason: stored.webhookDisabledReason ?? '' } : null,
    webhookAllowAnyPort: stored?.webhookAllowAnyPort ?? false,
    emailTo: stored?.emailTo ?? blankToNull(env.ESCALATION_EMAIL_TO),
    emailFrom: env.ESCALATION_EMAIL_FROM,
  };
}

/** Channels that have somewhere to go: the Mayor always; the webhook and email only when configured. */
export function configuredChannels(targets: NotifyTargets): Set<Channel> {
  const channels = new Set<Channel>(['mayor']);
  if (targets.webhookUrl && !targets.webhookDisabled) channels.add('webhook');
  if (targets.emailTo) channels.add('email');
  return channels;
}

/**
 * Who signs the town's webhook: the town's own secrets (current, then any in its rotation overlap) for a
 * URL the town set; the environment's `WEBHOOK_SIGNING_SECRET` only for the environment's default URL,
 * so no town's receiver holds a key that another town's receiver accepts.
 */
export function webhookSigningSecrets(ctx: TownContext): { secrets: string[]; missing: string } {
  if (storedRoutingRow(ctx)?.webhookUrl) {
    return {
      secrets: townSigningSecrets(ctx),
      missing: 'the town has no webhook signing secret: escalation.rotateSigningSecret creates one',
    };
  }
  const secret = ctx.env.WEBHOOK_SIGNING_SECRET;
  return {
    secrets: secret ? [secret] : [],
    missing: 'WEBHOOK_SIGNING_SECRET is not configured: set it with `wrangler secret put WEBHOOK_SIGNING_SECRET`',
  };
}

/**
 * Stops webhook sends to `url` (it answered 410 Gone) until a URL is set again, if `url` is still the
 * town's effective webhook URL. An attempt can wait up to 15 s for its answer, and the operator may set
 * a new URL meanwhile: a 410 from the old one says nothing about the new one. Returns whether it disabled.
 */
export function disableWebhook(ctx: TownContext, url: string, reason: string): boolean {
  // Synchronous: no other call into the DO runs between this read and the write.
  if (notifyTargets(ctx).webhookUrl !== url) {
    logEvent('info', 'webhook.gone_after_url_change', { townId: ctx.townId, reason });
    return false;
  }
  const at = iso(ctx.now());
  ctx.db
    .insert(escalationRouting)
    .values({ id: ROUTING_ROW_ID, webhookDisabledAt: at, webhookDisabledReason: reason, updatedAt: at })
    .onConflictDoUpdate({ target: escalationRouting.id, set: { webhookDisabledAt: at, webhookDisabledReason: reason, updatedAt: at } })
    .run();
  logEvent('warn', 'webhook.disabled', { townId: ctx.townId, reason });
  return true;
}
