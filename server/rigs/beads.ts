import { and, eq, ne, type SQL, sql } from 'drizzle-orm';
import { type BeadOutcome, beads, cancelledConvoys, rig } from '../../schema/rig';
import { jsonChunks } from '../core/bulk-json';
import { notFound } from '../core/errors';
import { assertServes, type IdentityRow } from '../core/identity';
import { logEvent } from '../core/log';
import { afterRowidCursor, DEFAULT_PAGE_SIZE, type Page, toRowidPage } from '../core/pagination';
import { PRIORITY_DEFAULT } from './priority';
import type { RigContext } from './rig-context';

// Beads of one rig. Writes that touch several rows (or a row and a task) run in one transaction; inside
// `db.transaction` the statements go through `db` itself, which on DO SQLite is the same connection.

export type BeadStatus = 'open' | 'in_progress' | 'closed';

export interface Bead {
  id: string;
  title: string;
  body: string | null;
  status: BeadStatus;
  convoyId: string | null;
  closeReason: 'done' | 'cancelled' | null;
  createdAt: string;
  closedAt: string | null;
  outcome: BeadOutcome | null;
  attempt: number;
  heldBy: string | null;
  leaseExpiresAt: string | null;
  retryAt: string | null;
  reason: string | null;
  ref: string | null;
}

/** A convoy's retry policy, delivered with its beads (convoy.create `maxAttempts`, `requireRef`). */
export interface BeadPolicy {
  maxAttempts: number;
  requireRef: boolean;
  /** The convoy's priority, 0 (most urgent) to 4; absent from a town older than priorities: 2. */
  priority?: number;
}

export const DEFAULT_BEAD_POLICY: BeadPolicy = { maxAttempts: 3, requireRef: false, priority: PRIORITY_DEFAULT };

/** A bead as the TownDO delivers it: its id is the town's, so a retried delivery is recognised. */
export interface IncomingBead {
  id: string;
  title: string;
  body: string | null;
  /** Waiting on a dependency of its convoy: stored out of the claim queue until the town releases it. */
  blocked?: boolean;
}

// The wire shape of a bead, selected explicitly so a column added later does not leak.
export const beadColumns = {
  id: beads.id,
  title: beads.title,
  body: beads.body,
  status: beads.status,
  convoyId: beads.convoyId,
  closeReason: beads.closeReason,
  createdAt: beads.createdAt,
  closedAt: beads.closedAt,
  outcome: beads.outcome,
  attempt: beads.attempt,
  heldBy: beads.heldBy,
  leaseExpiresAt: beads.leaseExpiresAt,
  retryAt: beads.retryAt,
  reason: beads.reason,
  ref: beads.ref,
};

/** The same columns for a `sql` template (the claim and close paths: a template costs less than a builder). */
export const beadSqlColumns = sql`id, title, body, status, convoy_id as convoyId, close_reason as closeReason, created_at as createdAt,
  closed_at as closedAt, outcome, attempt, held_by as heldBy, lease_expires_at as leaseExpiresAt, retry_at as retryAt, reason, ref`;

export interface BeadFilter {
  status?: BeadStatus;
  convoyId?: string;
}

/** Where a RigDO keeps whom it serves: the one `rig` row (which also holds its breaker). */
export function rigIdentityRow({ db }: Pick<RigContext, 'db'>): IdentityRow {
  return {
    kind: 'rig',
    read: () => db.select({ townId: rig.townId, rigId: rig.rigId }).from(rig).get(),
    write: ({ townId, rigId }, at) =>
      void db.insert(rig).values({ townId, rigId, createdAt: at }).onConflictDoUpdate({ target: rig.townId, set: { rigId } }).run(),
  };
}

/** The town this rig serves, for work it starts itself (an alarm telling the town). */
export function servedTownId(ctx: RigContext): string {
  if (!ctx.townId) throw new Error('a convoy bead exists but the rig does not know its town');
  return ctx.townId;
}

/**
 * Stores a convoy's beads. Idempotent: a bead id already here is left as it is, so a retried batch
 * creates nothing twice. Beads of a convoy already cancelled arrive closed (reason `cancelled`).
 */
export function receiveBeads(
  ctx: RigContext,
  townId: string,
  convoyId: string,
  incoming: readonly IncomingBead[],
  policy: BeadPolicy = DEFAULT_BEAD_POLICY,
): { created: number } {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  return db.transaction(() => {
    assertServes(ctx.townId, townId);
    const cancelled = db.select().from(cancelledConvoys).where(eq(cancelledConvoys.convoyId, convoyId)).get() !== undefined;
    // One statement per chunk of beads (bulk-json.ts), not one per bead.
    const [status, closeReason, closedAt] = cancelled ? ['closed', 'cancelled', at] : ['open', null, null];
    let created = 0;
    for (const chunk of jsonChunks(incoming.map((b) => (b.blocked ? [b.id, b.title, b.body, 1] : [b.id, b.title, b.body])))) {
      created +=
        db.all(sql`insert into beads (id, title, body, convoy_id, created_at, status, close_reason, closed_at, max_attempts, require_ref, blocked, priority, claimable_since)
        select value ->> 0, value ->> 1, value ->> 2, ${convoyId}, ${at}, ${status}, ${closeReason}, ${closedAt}, ${policy.maxAttempts}, ${policy.requireRef ? 1 : 0}, coalesce(value ->> 3, 0),
          ${policy.priority ?? PRIORITY_DEFAULT}, ${at}
        from json_each(${chunk}) where true
        on conflict do nothing returning id`).length;
    }
    logEvent('info', 'rig.beads_received', { townId, rigId: ctx.rigId, convoyId, received: incoming.length, created, cancelled });
    return { created };
  });
}

/**
 * The town cancelled a convoy: its beads here that are not closed yet are closed with reason
 * `cancelled` (agents stop working on them), and the town is not told of these closes. Beads of the
 * convoy that arrive later are stored closed too. Idempotent.
 */
export function cancelConvoy(ctx: RigContext, townId: string, convoyId: string): { cancelled: number } {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  return db.transaction(() => {
    assertServes(ctx.townId, townId);
    db.insert(cancelledConvoys).values({ convoyId, cancelledAt: at }).onConflictDoNothing().run();
    const closed = db
      .update(beads)
      // Its holder loses it (a later close or renewal of theirs is CONFLICT); a lease task finds nothing held.
      .set({ status: 'closed', closeReason: 'cancelled', closedAt: at, heldBy: null, leaseExpiresAt: null, retryAt: null })
      .where(and(eq(beads.convoyId, convoyId), ne(beads.status, 'closed')))
      .returning({ id: beads.id })
      .all();
    logEvent('info', 'rig.convoy_cancelled', { townId, rigId: ctx.rigId, convoyId, cancelled: closed.length });
    return { cancelled: closed.length };
  });
}

/** Beads in the order they arrived, a page at a time, optionally of one status and/or one convoy. */
/**
 * convoy.setPriority, on the rig's side: the convoy's beads here take the new priority (their waiting
 * time is kept). Idempotent; answers how many beads of the convoy are not closed.
 */
export function setConvoyPriority(ctx: RigContext, convoyId: string, priority: number): { updated: number } {
  const updated = ctx.db.all(
    sql`update beads set priority = ${priority} where convoy_id = ${convoyId} and status != 'closed' returning id`,
  ).length;
  logEvent('info', 'rig.convoy_priority_set', { rigId: ctx.rigId, convoyId, priority, updated });
  return { updated };
}

export function listBeads({ db }: RigContext, filter: BeadFilter & { limit?: number; cursor?: string }): Page<Bead> {
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  const conditions: SQL[] = [sql`rowid > ${afterRowidCursor(filter.cursor)}`];
  if (filter.status) conditions.push(eq(beads.status, filter.status));
  if (filter.convoyId) conditions.push(eq(beads.convoyId, filter.convoyId));
  const rows = db
    .select({ ...beadColumns, rowid: sql<number>`rowid` })
    .from(beads)
    .where(and(...conditions))
    .orderBy(sql`rowid`)
    .limit(limit + 1)
    .all();
  return toRowidPage(rows, limit, ({ rowid: _rowid, ...bead }) => bead);
}

/** The convoy of bead `beadId` (null for a bead of none); NOT_FOUND when the rig has no such bead. */
export function beadConvoy({ db }: RigContext, beadId: string): { convoyId: string | null } {
  const row = db.select({ convoyId: beads.convoyId }).from(beads).where(eq(beads.id, beadId)).get();
  if (!row) throw notFound('bead', beadId);
  return row;
}
