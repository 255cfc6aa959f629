import { escalationRouting } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { isLocalDev } from '../core/environment';
import { DomainError } from '../core/errors';
import type { Channel } from '../notify/channel';
import { signingSecretState } from '../notify/signing-secrets';
import {
  configuredChannels,
  type NotifyTargets,
  notifyTargets,
  ROUTING_ROW_ID,
  storedRoutingRow,
  webhookSigningSecrets,
  webhookUrlProblem,
} from '../notify/targets';
import { SEVERITIES, type Severity } from './severity';

// A town's routing: which channels each severity goes to, and when re-escalation and grouping act.
// Where the webhook and email go is notify/'s (targets.ts); this adds the decisions on top. Stored per
// town; anything a town has not set falls back to the environment.

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

/** What routing works with: the town's settings over the environment's defaults. */
export interface EffectiveRouting extends NotifyTargets {
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
  /** Deployed: lets the webhook use a port other than 443, 80 and 8443 (null = back to false). */
  webhookAllowAnyPort?: boolean | null;
  emailTo?: string | null;
  routes?: Partial<Record<Severity, Channel[]>> | null;
  staleAfterMinutes?: number | null;
  maxReEscalations?: number | null;
  groupWaitSeconds?: number | null;
  groupIntervalSeconds?: number | null;
}

/** An integer environment variable of at least `min`, or the built-in default when unset or malformed. */
function envInteger(value: string | undefined, min: number, fallback: number): number {
  const n = Number(value);
  return value?.trim() && Number.isInteger(n) && n >= min ? n : fallback;
}

export function effectiveRouting(ctx: TownContext): EffectiveRouting {
  const { env } = ctx;
  const stored = storedRoutingRow(ctx);
  return {
    ...notifyTargets(ctx, stored),
    routes: Object.fromEntries(SEVERITIES.map((s) => [s, [...(stored?.routes?.[s] ?? DEFAULT_ROUTES[s])]])) as Record<Severity, Channel[]>,
    staleAfterMinutes: stored?.staleAfterMinutes ?? envInteger(env.ESCALATION_STALE_AFTER_MINUTES, 1, DEFAULT_STALE_AFTER_MINUTES),
    maxReEscalations: stored?.maxReEscalations ?? envInteger(env.ESCALATION_MAX_RE_ESCALATIONS, 0, DEFAULT_MAX_RE_ESCALATIONS),
    groupWaitSeconds: stored?.groupWaitSeconds ?? envInteger(env.ESCALATION_GROUP_WAIT_SECONDS, 0, DEFAULT_GROUP_WAIT_SECONDS),
    groupIntervalSeconds:
      stored?.groupIntervalSeconds ?? envInteger(env.ESCALATION_GROUP_INTERVAL_SECONDS, 1, DEFAULT_GROUP_INTERVAL_SECONDS),
  };
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
 * Writes the given fields (null = back to the environment default); setting a webhook URL re-enables
 * it. `setRouting` in routing-update.ts is the whole operation (it also moves open escalations' bumps).
 */
export function writeRouting(ctx: TownContext, update: RoutingUpdate): void {
  const stored = storedRoutingRow(ctx);
  // The URL that will be used, under the port rule that will apply, checked whenever either changes.
  const url = update.webhookUrl !== undefined ? update.webhookUrl : (stored?.webhookUrl ?? null);
  const allowAnyPort =
    update.webhookAllowAnyPort !== undefined ? (update.webhookAllowAnyPort ?? false) : (stored?.webhookAllowAnyPort ?? false);
  if (url && (update.webhookUrl || update.webhookAllowAnyPort !== undefined)) {
    const problem = webhookUrlProblem(url, isLocalDev(ctx.env), allowAnyPort);
    if (problem) throw new DomainError('BAD_REQUEST', problem);
  }
  const routes = update.routes === null ? null : { ...stored?.routes, ...update.routes };
  const values = {
    ...(update.webhookUrl !== undefined && { webhookUrl: update.webhookUrl, webhookDisabledAt: null, webhookDisabledReason: null }),
    ...(update.webhookAllowAnyPort !== undefined && { webhookAllowAnyPort: update.webhookAllowAnyPort }),
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
