import { and, asc, eq, sql } from 'drizzle-orm';
import { convoys, convoyWatchers } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { orderedId } from '../core/ordered-id';
import { newSecret } from '../notify/signing-secrets';
import { enqueueForWatcher, type WatcherNotification, watcherEmailProblem, watcherUrlProblem } from '../notify/watcher-targets';

// Watchers of a convoy: anyone told of its landing, failure, cancel, pause and due-date risk, through
// the outbox (retried, Standard Webhooks), whatever the town's escalation routing says. Each webhook
// watcher gets its own signing secret, answered once by convoy.watch, so it cannot forge the town's
// webhooks (nor another watcher's).

export const CONVOY_WATCHERS_MAX = 20;

/** The events a watcher is told of. `convoy.failed` and `convoy.paused` come from the failure and pause paths. */
export type WatchedEventType = 'convoy.landed' | 'convoy.failed' | 'convoy.cancelled' | 'convoy.at_risk' | 'convoy.paused';

/** Exactly one of the two (the router checks it). */
export interface WatcherInput {
  webhookUrl?: string;
  email?: string;
}

export interface NewWatcher {
  watcherId: string;
  /** A webhook watcher's own `whsec_…` secret; this answer is the only place it ever appears. */
  signingSecret?: string;
}

/** `convoy.watchers`: never a secret. */
export interface Watcher {
  id: string;
  kind: 'webhook' | 'email';
  webhookUrl: string | null;
  email: string | null;
  createdAt: string;
}

/**
 * Adds watchers to a convoy that has `current` of them, in the caller's transaction: each target is
 * checked (the town webhook's URL rules; email only where the town's email routing may send), at most
 * CONVOY_WATCHERS_MAX in all (CONFLICT past it).
 */
export function addWatchers(ctx: TownContext, convoy: { id: string; watchers: number }, inputs: readonly WatcherInput[]): NewWatcher[] {
  if (inputs.length === 0) return [];
  if (convoy.watchers + inputs.length > CONVOY_WATCHERS_MAX) {
    throw new DomainError('CONFLICT', `convoy ${convoy.id} would have more than ${CONVOY_WATCHERS_MAX} watchers`);
  }
  const added = inputs.map((input, i) => {
    const problem = input.webhookUrl ? watcherUrlProblem(ctx, input.webhookUrl) : watcherEmailProblem(ctx, input.email ?? '');
    if (problem) throw new DomainError('BAD_REQUEST', inputs.length > 1 ? `watchers.${i}.${problem}` : problem);
    const watcherId = orderedId();
    const signingSecret = input.webhookUrl ? newSecret() : undefined;
    ctx.db
      .insert(convoyWatchers)
      .values({
        id: watcherId,
        convoyId: convoy.id,
        webhookUrl: input.webhookUrl ?? null,
        email: input.webhookUrl ? null : (input.email ?? null),
        signingSecret: signingSecret ?? null,
        createdAt: iso(ctx.now()),
      })
      .run();
    const kind = input.webhookUrl ? 'webhook' : 'email';
    // No URL or address in the event: they may carry credentials, and the log is widely readable.
    appendEvent(ctx, { type: 'convoy.watched', convoyId: convoy.id, data: { watcherId, kind } });
    logEvent('info', 'convoy.watched', { townId: ctx.townId, convoyId: convoy.id, watcherId, kind });
    return signingSecret ? { watcherId, signingSecret } : { watcherId };
  });
  ctx.db
    .update(convoys)
    .set({ watchers: sql`${convoys.watchers} + ${added.length}` })
    .where(eq(convoys.id, convoy.id))
    .run();
  return added;
}

function requireConvoy({ db }: TownContext, convoyId: string) {
  const row = db.select({ id: convoys.id, watchers: convoys.watchers }).from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!row) throw notFound('convoy', convoyId);
  return row;
}

/** `convoy.watch`. */
export function watchConvoy(ctx: TownContext, input: { convoyId: string } & WatcherInput): NewWatcher {
  return ctx.db.transaction(() => {
    const [added] = addWatchers(ctx, requireConvoy(ctx, input.convoyId), [{ webhookUrl: input.webhookUrl, email: input.email }]);
    if (!added) throw new Error('addWatchers added nothing for one input');
    return added;
  });
}

/** `convoy.unwatch`: its pending notifications are not sent (delivery finds the watcher gone). */
export function unwatchConvoy(ctx: TownContext, input: { convoyId: string; watcherId: string }): { watcherId: string } {
  return ctx.db.transaction(() => {
    requireConvoy(ctx, input.convoyId);
    const removed = ctx.db
      .delete(convoyWatchers)
      .where(and(eq(convoyWatchers.id, input.watcherId), eq(convoyWatchers.convoyId, input.convoyId)))
      .returning({ id: convoyWatchers.id })
      .get();
    if (!removed) throw new DomainError('NOT_FOUND', `watcher ${input.watcherId} not found on convoy ${input.convoyId}`);
    ctx.db
      .update(convoys)
      .set({ watchers: sql`${convoys.watchers} - 1` })
      .where(eq(convoys.id, input.convoyId))
      .run();
    appendEvent(ctx, { type: 'convoy.unwatched', convoyId: input.convoyId, data: { watcherId: removed.id } });
    logEvent('info', 'convoy.unwatched', { townId: ctx.townId, convoyId: input.convoyId, watcherId: removed.id });
    return { watcherId: removed.id };
  });
}

/** `convoy.watchers`: at most CONVOY_WATCHERS_MAX, oldest first. */
export function listWatchers(ctx: TownContext, convoyId: string): { items: Watcher[] } {
  requireConvoy(ctx, convoyId);
  const rows = ctx.db
    .select()
    .from(convoyWatchers)
    .where(eq(convoyWatchers.convoyId, convoyId))
    .orderBy(asc(convoyWatchers.createdAt), asc(convoyWatchers.id))
    .all();
  return {
    items: rows.map((r) => ({
      id: r.id,
      kind: r.webhookUrl ? 'webhook' : 'email',
      webhookUrl: r.webhookUrl,
      email: r.email,
      createdAt: r.createdAt,
    })),
  };
}

/**
 * Tells every watcher of the convoy of one event, in the caller's transaction (the one that logged the
 * event): one outbox row each, keyed by (event, watcher), so each is told once. Reads nothing for a
 * convoy without watchers. The failure and pause paths call it with `convoy.failed` / `convoy.paused`.
 */
export function notifyWatchers(
  ctx: TownContext,
  convoy: { id: string; watchers: number },
  notification: WatcherNotification & { type: WatchedEventType },
): number {
  if (convoy.watchers === 0) return 0;
  const targets = ctx.db
    .select({ id: convoyWatchers.id, webhookUrl: convoyWatchers.webhookUrl, email: convoyWatchers.email })
    .from(convoyWatchers)
    .where(eq(convoyWatchers.convoyId, convoy.id))
    .all();
  for (const target of targets) enqueueForWatcher(ctx, target, notification);
  return targets.length;
}
