import { eq, sql } from 'drizzle-orm';
import { convoys, rigs } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { orderedId } from '../core/ordered-id';
import { resolveForConvoy } from '../escalations/lifecycle';
import { PRIORITY_DEFAULT } from '../rigs/priority';
import { type BeadRow, existingBeadIds, insertBeadRows } from './bead-rows';
import { firstBeadIds } from './beads-page';
import { getConvoy } from './convoy-reads';
import {
  type ConvoyContext,
  convoyRigIds,
  deliverNow,
  pendingDeliveries,
  scheduleBeadDeliveries,
  scheduleCancelDeliveries,
} from './delivery';
import { earlierLookup, insertEdges } from './dependencies';
import { planDependencies } from './dependency-plan';
import { evaluateDue } from './due-dates';
import { scheduleStrandedCheck, stopStrandedCheck } from './progress';
import { addToRigProgress, initialRigProgress } from './rig-progress';
import { convoyFailedKey, resolveTownEscalation } from './town-escalations';
import { type ConvoySummary, type ConvoyWithBeadIds, type CreatedConvoy, toConvoy, toConvoyBead, toSummary } from './views';
import { addWatchers, notifyWatchers, type WatcherInput } from './watchers';

export { getConvoy, listConvoys } from './convoy-reads';
export { beadClosed, beadClosedAndReleased } from './settle';

// Convoys: titled batches of beads spread over rigs, settling when every bead is closed (settle.ts). Multi-row
// writes run in one `db.transaction` (statements go through `db`, the same DO SQLite connection).

export interface NewBead {
  rigId: string;
  title: string;
  body?: string;
  /** 1–64 chars, unique in the convoy: what `dependsOn` of later beads can name. */
  key?: string;
  /** Keys or bead ids of the same convoy (this call or earlier) that must close done/skipped first. */
  dependsOn?: string[];
}

export interface CreateConvoyInput {
  title: string;
  beads: NewBead[];
  createdBy?: string;
  idempotencyKey?: string;
  /** ISO-8601: the forecast's health and the due-date escalation are measured against it. */
  dueAt?: string;
  watchers?: WatcherInput[];
  /** Attempts per bead before it fails for good (1–10, default 3). */
  maxAttempts?: number;
  /** A `done` close must carry a `ref` (default false). */
  requireRef?: boolean;
  /** 0 (most urgent) to 4, default 2: claims prefer its beads, aged by their waiting (server/rigs/claim-queue.ts). */
  priority?: number;
  /**
   * Default true: answer once every rig holds its beads. False: answer once the town has committed the
   * convoy and its deliveries; the rigs get the beads within moments (`pendingDeliveries` counts down).
   */
  waitForRigs?: boolean;
}

export const MAX_ATTEMPTS_DEFAULT = 3;

function requireConvoy({ db }: TownContext, convoyId: string) {
  const convoy = db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!convoy) throw notFound('convoy', convoyId);
  return convoy;
}

/** Every rig named must be registered; checked before anything is written. */
function requireRigs({ db }: TownContext, beads: readonly NewBead[]): void {
  for (const rigId of new Set(beads.map((b) => b.rigId))) {
    if (!db.select({ id: rigs.id }).from(rigs).where(eq(rigs.id, rigId)).get()) throw notFound('rig', rigId);
  }
}

/**
 * Inserts the beads and schedules delivery of the new ones. Under ids derived from an idempotency key
 * (`ids`), a bead already in the convoy is skipped, so a retried call adds nothing twice; otherwise
 * ids are fresh and nothing can collide. New beads take the next positions, without gaps. Returns the
 * beads that are new.
 */
function insertBeads(ctx: TownContext, convoyId: string, first: number, beads: readonly NewBead[], ids?: readonly string[], isNew = false) {
  const present = ids ? existingBeadIds(ctx.db, convoyId, ids) : new Set<string>();
  const fresh: { bead: NewBead; beadId: string }[] = [];
  beads.forEach((bead, i) => {
    const beadId = ids?.[i] ?? orderedId();
    if (present.has(beadId)) return;
    present.add(beadId); // the same derived id twice in one call is one bead
    fresh.push({ bead, beadId });
  });
  // Checked before anything is written: a refusal leaves the convoy as it was.
  const plan = planDependencies(
    fresh.map((f) => f.bead),
    fresh.map((f) => f.beadId),
    isNew ? null : earlierLookup(ctx.db, convoyId),
  );
  const rows: BeadRow[] = fresh.map(({ bead, beadId }, i) => ({
    beadId,
    rigId: bead.rigId,
    title: bead.title,
    body: bead.body ?? null,
    position: first + i,
    ...(plan ? { planned: plan.beads[i] } : {}),
  }));
  insertBeadRows(ctx.db, convoyId, rows);
  if (plan) insertEdges(ctx.db, convoyId, plan.edges);
  const added = rows.map((row) =>
    toConvoyBead({
      ...row,
      status: 'open',
      outcome: null,
      attempt: 0,
      heldBy: null,
      ref: null,
      key: row.planned?.key ?? null,
      dependsOn: row.planned?.dependsOn ?? null,
      waitingOn: row.planned?.waitingOn ?? 0,
      spent: 0,
    }),
  );
  return {
    added,
    blocked: plan?.blocked ?? 0,
    maxWave: plan?.maxWave ?? 1,
    taskIds: scheduleBeadDeliveries(
      ctx,
      convoyId,
      added.map((b) => b.rigId),
    ),
  };
}

/** Creates a convoy and distributes its beads (one delivery per rig). The same idempotency key returns the first convoy. */
export async function createConvoy(ctx: ConvoyContext, input: CreateConvoyInput): Promise<CreatedConvoy> {
  const { db } = ctx;
  const { convoyId, taskIds, beadIds, newWatchers } = db.transaction(() => {
    if (input.idempotencyKey) {
      const existing = db.select({ id: convoys.id }).from(convoys).where(eq(convoys.idempotencyKey, input.idempotencyKey)).get();
      if (existing) return { convoyId: existing.id, taskIds: [], beadIds: null, newWatchers: [] };
    }
    requireRigs(ctx, input.beads);
    const id = orderedId();
    const row = db
      .insert(convoys)
      .values({
        id,
        title: input.title,
        totalBeads: input.beads.length,
        createdBy: input.createdBy ?? null,
        createdAt: iso(ctx.now()),
        idempotencyKey: input.idempotencyKey ?? null,
        maxAttempts: input.maxAttempts ?? MAX_ATTEMPTS_DEFAULT,
        requireRef: input.requireRef ?? false,
        priority: input.priority ?? PRIORITY_DEFAULT,
        rigProgress: initialRigProgress(input.beads.map((b) => b.rigId)),
        dueAt: input.dueAt === undefined ? null : iso(new Date(input.dueAt)),
      })
      .returning()
      .get();
    const { added, taskIds, blocked, maxWave } = insertBeads(ctx, id, 0, input.beads, undefined, true);
    if (blocked > 0 || maxWave > 1) db.update(convoys).set({ blockedBeads: blocked, waves: maxWave }).where(eq(convoys.id, id)).run();
    scheduleStrandedCheck(ctx, id, ctx.now().getTime());
    appendEvent(ctx, { type: 'convoy.created', convoyId: id, data: { totalBeads: input.beads.length, rigs: taskIds.length } });
    logEvent('info', 'convoy.created', { townId: ctx.townId, convoyId: id, beads: input.beads.length, rigs: taskIds.length });
    const newWatchers = addWatchers(ctx, row, input.watchers ?? []);
    evaluateDue(ctx, { ...row, watchers: newWatchers.length });
    return { convoyId: id, taskIds, beadIds: added.map((b) => b.id), newWatchers };
  });
  await deliverNow(ctx, taskIds, { wait: input.waitForRigs ?? true });
  // A repeat names the first create's beads: they hold its first positions.
  const ids = beadIds ?? firstBeadIds(ctx, convoyId, input.beads.length);
  return { ...getConvoy(ctx, convoyId), beadIds: ids, newWatchers };
}

/** Bead ids derived from an `addBeads` idempotency key, so a retry names the same beads. */
async function beadIdsFor(convoyId: string, count: number, idempotencyKey: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${convoyId}\n${idempotencyKey}\n${i}`));
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    }),
  );
}

/**
 * Adds beads to an active, landed or failed convoy (a settled one reopens); a cancelled convoy is final. With an
 * idempotency key, a retried call adds nothing again and does not reopen the convoy.
 */
export async function addBeads(
  ctx: ConvoyContext,
  input: { convoyId: string; beads: NewBead[]; idempotencyKey?: string; waitForRigs?: boolean },
): Promise<ConvoyWithBeadIds & { added: number; pendingDeliveries: number }> {
  const { db } = ctx;
  const ids = input.idempotencyKey === undefined ? undefined : await beadIdsFor(input.convoyId, input.beads.length, input.idempotencyKey);
  const { convoy, added, taskIds } = db.transaction(() => {
    const current = requireConvoy(ctx, input.convoyId);
    if (current.status === 'cancelled') throw new DomainError('CONFLICT', `convoy ${input.convoyId} is cancelled`);
    // Its beads are gone, and with them what an idempotency key's retry is checked against.
    if (current.compactedAt) throw new DomainError('CONFLICT', `convoy ${input.convoyId} was compacted; create a new convoy`);
    requireRigs(ctx, input.beads);
    const { added, taskIds, blocked, maxWave } = insertBeads(ctx, current.id, current.totalBeads, input.beads, ids);
    if (added.length === 0) return { convoy: current, added, taskIds };
    const convoy = db
      .update(convoys)
      .set({
        totalBeads: sql`${convoys.totalBeads} + ${added.length}`,
        rigProgress: addToRigProgress(added.map((b) => b.rigId)),
        status: 'active',
        landedAt: null,
        failedAt: null,
        ...(blocked > 0 ? { blockedBeads: sql`${convoys.blockedBeads} + ${blocked}` } : {}),
        ...(maxWave > 1 ? { waves: sql`max(${convoys.waves}, ${maxWave})` } : {}),
      })
      .where(eq(convoys.id, current.id))
      .returning()
      .get();
    if (!convoy) throw new Error(`convoy ${current.id} vanished inside its own transaction`);
    evaluateDue(ctx, convoy); // more open beads: the forecast moves later
    logEvent('info', 'convoy.beads_added', { townId: ctx.townId, convoyId: convoy.id, added: added.length, totalBeads: convoy.totalBeads });
    appendEvent(ctx, { type: 'convoy.beads_added', convoyId: convoy.id, data: { added: added.length, totalBeads: convoy.totalBeads } });
    if (current.status === 'landed' || current.status === 'failed') {
      // A settled convoy is active again: watched for stranding, its failure (if any) no longer current.
      scheduleStrandedCheck(ctx, convoy.id, ctx.now().getTime());
      resolveTownEscalation(ctx, convoyFailedKey(convoy.id), 'convoy reopened');
      appendEvent(ctx, {
        type: 'convoy.reopened',
        convoyId: convoy.id,
        data: { closedBeads: convoy.closedBeads, totalBeads: convoy.totalBeads },
      });
    }
    return { convoy, added, taskIds };
  });
  await deliverNow(ctx, taskIds, { wait: input.waitForRigs ?? true });
  // With a key, the call's beads are the derived ids (a retry names the same beads); without, the new ones.
  const beadIds = ids ?? added.map((b) => b.id);
  return { ...toConvoy(convoy, ctx.now()), beadIds, added: added.length, pendingDeliveries: pendingDeliveries(ctx, convoy.id) };
}

/** Cancels an active convoy (it never lands) and tells its rigs; cancelling again is a no-op. */
export async function cancelConvoy(ctx: ConvoyContext, convoyId: string): Promise<ConvoySummary> {
  const { db } = ctx;
  const { convoy, taskIds } = db.transaction(() => {
    const current = requireConvoy(ctx, convoyId);
    if (current.status === 'cancelled') return { convoy: current, taskIds: [] };
    if (current.status === 'landed' || current.status === 'failed') {
      throw new DomainError(
        'CONFLICT',
        `convoy ${convoyId} has ${current.status === 'landed' ? 'landed' : 'failed'} and cannot be cancelled`,
      );
    }
    db.update(convoys)
      .set({ status: 'cancelled', cancelledAt: iso(ctx.now()), dueCheckAt: null })
      .where(eq(convoys.id, convoyId))
      .run();
    const convoy = { ...current, status: 'cancelled' as const };
    const counts = { closedBeads: current.closedBeads, totalBeads: current.totalBeads };
    logEvent('info', 'convoy.cancelled', { townId: ctx.townId, convoyId, ...counts });
    const eventId = appendEvent(ctx, { type: 'convoy.cancelled', convoyId, data: counts });
    resolveForConvoy(ctx, { convoyId, reason: 'convoy cancelled' });
    notifyWatchers(ctx, current, { eventId, type: 'convoy.cancelled', data: { ...toSummary(convoy) } });
    stopStrandedCheck(ctx, convoyId, 'convoy cancelled');
    return { convoy, taskIds: scheduleCancelDeliveries(ctx, convoyId, convoyRigIds(ctx, convoyId)) };
  });
  await deliverNow(ctx, taskIds);
  return toSummary(convoy);
}
