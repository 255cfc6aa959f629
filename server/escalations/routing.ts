import { eq } from 'drizzle-orm';
import { escalationRouting } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { isLocalDev } from '../core/environment';
import { DomainError } from '../core/errors';
import { logEvent } from '../core/log';
import type { Channel } from '../notify/channel';
import { privateHostProblem } from '../notify/private-address';
import { signingSecretState, townSigningSecrets } from '../notify/signing-secrets';
import { SEVERITIES, type Severity } from './severity';

// A town's routing: which channels each severity goes to, where the webhook and email go, and when
// re-escalation starts. Stored per town; anything a town has not set falls back to the environment.

export const DEFAULT_ROUTES: Readonly<Record<Severity, readonly Channel[]>> = {
  low: [],
  medium: ['mayor'],
  high: ['mayor', 'webhook', 'email'],
  critical: ['mayor', 'webhook', 'email'],
};
export const DEFAULT_STALE_AFTER_MINUTES = 240;
export const DEFAULT_MAX_RE_ESCALATIONS = 3;
export const DEFAULT_GROUP_WAIT_SECONDS = 30;
export const DEFAULT_GROUP_INTERVAL_SECONDS = 300;
const ROUTING_ROW_ID = 1;

/** What routing and delivery work with: the town's settings over the environment's defaults. */
export interface EffectiveRouting {
  webhookUrl: string | null;
  /** Set when the endpoint answered 410 Gone: no more sends until the URL is set again. */
  webhookDisabled: { at: string; reason: string } | null;
  emailTo: string | null;
  emailFrom: string;
  routes: Record<Severity, Channel[]>;
  staleAfterMinutes: number;
  maxReEscalations: number;
  /** How long the first non-critical escalation of a quiet period is held for others to join it; 0 = off. */
  groupWaitSeconds: number;
  /** After a group went out, later ones are batched until this long after it. */
  groupIntervalSeconds: number;
}

/**
 * The wire shape of `escalation.getRouting`: never a signing secret, only whether the town's webhook has
 * one and when the town's secret was last rotated (null: never).
 */
export type RoutingView = Omit<EffectiveRouting, 'emailFrom'> & { signingSecretConfigured: boolean; signingSecretRotatedAt: string | null };

export interface RoutingUpdate {
  webhookUrl?: string | null;
  emailTo?: string | null;
  routes?: Partial<Record<Severity, Channel[]>> | null;
  staleAfterMinutes?: number | null;
  maxReEscalations?: number | null;
  groupWaitSeconds?: number | null;
  groupIntervalSeconds?: number | null;
}

const blankToNull = (value: string | undefined) => (value?.trim() ? value.trim() : null);

/** An integer environment variable of at least `min`, or the built-in default when unset or malformed. */
function envInteger(value: string | undefined, min: number, fallback: number): number {
  const n = Number(value);
  return value?.trim() && Number.isInteger(n) && n >= min ? n : fallback;
}

/**
 * Why `url` cannot be a webhook endpoint, or null if it can. Deployed towns only post over https, and
 * never to a private, loopback or link-local host (the Worker must not be a way into a network);
 * local dev may post over http to anything, e.g. `http://127.0.0.1`.
 */
export function webhookUrlProblem(url: string, localDev: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'webhookUrl: not a valid URL';
  }
  if (localDev) return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? null : 'webhookUrl: must be an http: or https: URL';
  if (parsed.protocol !== 'https:') return 'webhookUrl: must be an https: URL';
  const host = privateHostProblem(parsed.hostname);
  return host ? `webhookUrl: must not point at a ${host} address` : null;
}

function storedRouting({ db }: TownContext) {
  return db.select().from(escalationRouting).where(eq(escalationRouting.id, ROUTING_ROW_ID)).get();
}

export function effectiveRouting(ctx: TownContext): EffectiveRouting {
  const { env } = ctx;
  const stored = storedRouting(ctx);
  const webhookUrl = stored?.webhookUrl ?? blankToNull(env.ESCALATION_WEBHOOK_URL);
  return {
    webhookUrl,
    webhookDisabled:
      webhookUrl && stored?.webhookDisabledAt ? { at: stored.webhookDisabledAt, reason: stored.webhookDisabledReason ?? '' } : null,
    emailTo: stored?.emailTo ?? blankToNull(env.ESCALATION_EMAIL_TO),
    emailFrom: env.ESCALATION_EMAIL_FROM,
    routes: Object.fromEntries(SEVERITIES.map((s) => [s, [...(stored?.routes?.[s] ?? DEFAULT_ROUTES[s])]])) as Record<Severity, Channel[]>,
    staleAfterMinutes: stored?.staleAfterMinutes ?? envInteger(env.ESCALATION_STALE_AFTER_MINUTES, 1, DEFAULT_STALE_AFTER_MINUTES),
    maxReEscalations: stored?.maxReEscalations ?? envInteger(env.ESCALATION_MAX_RE_ESCALATIONS, 0, DEFAULT_MAX_RE_ESCALATIONS),
    groupWaitSeconds: stored?.groupWaitSeconds ?? envInteger(env.ESCALATION_GROUP_WAIT_SECONDS, 0, DEFAULT_GROUP_WAIT_SECONDS),
    groupIntervalSeconds:
      stored?.groupIntervalSeconds ?? envInteger(env.ESCALATION_GROUP_INTERVAL_SECONDS, 1, DEFAULT_GROUP_INTERVAL_SECONDS),
  };
}

/** Channels that have somewhere to go: the Mayor always; the webhook and email only when configured. */
export function configuredChannels(routing: EffectiveRouting): Set<Channel> {
  const channels = new Set<Channel>(['mayor']);
  if (routing.webhookUrl && !routing.webhookDisabled) channels.add('webhook');
  if (routing.emailTo) channels.add('email');
  return channels;
}

/** The channels an escalation of `severity` is delivered to in this town. */
export function channelsFor(routing: EffectiveRouting, severity: Severity): Channel[] {
  const configured = configuredChannels(routing);
  return routing.routes[severity].filter((c) => configured.has(c));
}

export function getRouting(ctx: TownContext): RoutingView {
  const { emailFrom: _, ...view } = effectiveRouting(ctx);
  return {
    ...view,
    signingSecretConfigured: webhookSigningSecrets(ctx).secrets.length > 0,
    signingSecretRotatedAt: signingSecretState(ctx).rotatedAt,
  };
}

/**
 * Who signs the town's webhook: the town's own secrets (current, then any in its rotation overlap) for a
 * URL the town set; the environment's `WEBHOOK_SIGNING_SECRET` only for the environment's default URL,
 * so no town's receiver holds a key that another town's receiver accepts.
 */
export function webhookSigningSecrets(ctx: TownContext): { secrets: string[]; missing: string } {
  if (storedRouting(ctx)?.webhookUrl) {
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
 * Writes the given fields (null = back to the environment default); setting a webhook URL re-enables
 * it. `setRouting` in routing-update.ts is the whole operation (it also moves open escalations' bumps).
 */
export function writeRouting(ctx: TownContext, update: RoutingUpdate): void {
  if (update.webhookUrl) {
    const problem = webhookUrlProblem(update.webhookUrl, isLocalDev(ctx.env));
    if (problem) throw new DomainError('BAD_REQUEST', problem);
  }
  const stored = storedRouting(ctx);
  const routes = update.routes === null ? null : { ...stored?.routes, ...update.routes };
  const values = {
    ...(update.webhookUrl !== undefined && { webhookUrl: update.webhookUrl, webhookDisabledAt: null, webhookDisabledReason: null }),
    ...(update.emailTo !== undefined && { emailTo: update.emailTo }),
    ...(update.routes !== undefined && { routes }),
    ...(update.staleAfterMinutes !== undefined && { staleAfterMinutes: update.staleAfterMinutes }),
    ...(update.maxReEscalations !== undefined && { maxReEscalations: update.maxReEscalations }),
    ...(update.groupWaitSeconds !== undefined && { groupWaitSeconds: update.groupWaitSeconds }),
    ...(update.groupIntervalSeconds !== undefined && { groupIntervalSeconds: update.groupIntervalSeconds }),
    updatedAt: iso(ctx.now()),
  };
  ctx.db
    .insert(escalationRouting)
    .values({ id: ROUTING_ROW_ID, ...values })
    .onConflictDoUpdate({ target: escalationRouting.id, set: values })
    .run();
}

/**
 * Stops webhook sends to `url` (it answered 410 Gone) until a URL is set again, if `url` is still the
 * town's effective webhook URL. An attempt can wait up to 15 s for its answer, and the operator may set
 * a new URL meanwhile: a 410 from the old one says nothing about the new one. Returns whether it disabled.
 */
export function disableWebhook(ctx: TownContext, url: string, reason: string): boolean {
  // Synchronous: no other call into the DO runs between this read and the write.
  if (effectiveRouting(ctx).webhookUrl !== url) {
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
