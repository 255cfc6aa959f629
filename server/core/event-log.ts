import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { events } from '../../schema/town';
import { iso, type TownContext } from './context';
import { DomainError } from './errors';
import { inRigScope, type RigScope } from './event-scope';
import { type EventType, eventIdOf, seqOf, type TownEvent } from './event-shape';

// The town's append-only event log. `appendEvent` is called inside the transaction of the state change
// it records, so the change and its event commit (or roll back) together; the TownDO then pushes what
// committed to live subscribers (stream.ts).

export interface NewEvent {
  type: EventType;
  rigId?: string | null;
  convoyId?: string | null;
  beadId?: string | null;
  escalationId?: string | null;
  /** Small: counts and states, never message bodies or secrets. */
  data?: JsonObject;
}

/** Appends one event in the caller's transaction; returns its id (also the id of the notifications it causes). */
export function appendEvent(ctx: TownContext, event: NewEvent): string {
  // A template, not the insert builder: every close appends one (server/core/sql-row.ts says why).
  ctx.db.run(
    sql`insert into events (type, at, rig_id, convoy_id, bead_id, escalation_id, data) values (${event.type}, ${iso(ctx.now())},
      ${event.rigId ?? null}, ${event.convoyId ?? null}, ${event.beadId ?? null}, ${event.escalationId ?? null}, ${JSON.stringify(event.data ?? {})})`,
  );
  // Not `returning`: that reads the row back (one more row read per close); this reads none.
  const row = ctx.db.get<{ seq: number }>(sql`select last_insert_rowid() as seq`);
  ctx.eventAppended?.();
  return eventIdOf(row.seq);
}

export type EventRow = typeof events.$inferSelect;

export const toTownEvent = (row: EventRow): TownEvent => ({
  id: eventIdOf(row.seq),
  type: row.type as EventType,
  at: row.at,
  rigId: row.rigId,
  convoyId: row.convoyId,
  beadId: row.beadId,
  escalationId: row.escalationId,
  data: row.data,
});

/** Which events a reader wants: every field given must match. */
export interface EventFilter {
  types?: readonly EventType[];
  rigId?: string;
  convoyId?: string;
  escalationId?: string;
  /** A `rig` token's reads: only its rig's events and its convoys' (rig-scope.ts). */
  scope?: RigScope;
}

export function matchesFilter(event: Pick<EventRow, 'type' | 'rigId' | 'convoyId' | 'escalationId'>, filter: EventFilter): boolean {
  return (
    (filter.types === undefined || filter.types.includes(event.type as EventType)) &&
    (filter.rigId === undefined || event.rigId === filter.rigId) &&
    (filter.convoyId === undefined || event.convoyId === filter.convoyId) &&
    (filter.escalationId === undefined || event.escalationId === filter.escalationId) &&
    (filter.scope === undefined || inRigScope(event, filter.scope))
  );
}

/** The highest seq handed out (0 for none): pruning never removes the newest event, so this never goes back. */
export function lastSeq({ db }: TownContext): number {
  return db.select({ seq: events.seq }).from(events).orderBy(desc(events.seq)).limit(1).get()?.seq ?? 0;
}

/** The oldest seq still kept, or null when the log is empty. */
export function oldestKeptSeq({ db }: TownContext): number | null {
  return db.select({ seq: events.seq }).from(events).orderBy(asc(events.seq)).limit(1).get()?.seq ?? null;
}

/**
 * The seq a reader's cursor stands for, checked: not an event id → BAD_REQUEST; later than anything
 * this town has written → BAD_REQUEST (another town's cursor); older than what retention kept (events
 * after it were pruned) → PRECONDITION_FAILED, so a reader never silently misses events.
 */
export function checkedCursor(ctx: TownContext, field: string, id: string | undefined): number {
  if (id === undefined) return 0;
  const seq = seqOf(id);
  if (seq === null) throw new DomainError('BAD_REQUEST', `${field}: not an event id`);
  const last = lastSeq(ctx);
  if (seq > last) throw new DomainError('BAD_REQUEST', `${field}: event ${id} is not an event of this town`);
  const oldest = oldestKeptSeq(ctx) ?? last + 1;
  if (seq < oldest - 1) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${field}: events after ${id} were pruned (the oldest kept is ${eventIdOf(oldest)}); read the current state and start again without a cursor`,
    );
  }
  return seq;
}

export const EVENT_PAGE_DEFAULT = 50;
export const EVENT_PAGE_MAX = 200;
/** The most rows one page examines: a filter matching few events answers a short page and a cursor to go on. */
export const EVENT_SCAN_MAX_ROWS = 1_000;

/** Events after `afterSeq` matching `filter`, oldest first, reading at most `scanRows` rows. */
export function readEvents(ctx: TownContext, afterSeq: number, filter: EventFilter, limit: number, scanRows: number) {
  // The convoy and escalation filters use their partial indexes; the others are checked row by row.
  const candidates = ctx.db
    .select()
    .from(events)
    .where(
      and(
        gt(events.seq, afterSeq),
        filter.convoyId === undefined ? undefined : eq(events.convoyId, filter.convoyId),
        filter.escalationId === undefined ? undefined : eq(events.escalationId, filter.escalationId),
      ),
    )
    .orderBy(asc(events.seq))
    .limit(scanRows)
    .all();
  const items: EventRow[] = [];
  let examinedThrough = afterSeq;
  for (const row of candidates) {
    if (items.length === limit) break;
    examinedThrough = row.seq;
    if (matchesFilter(row, filter)) items.push(row);
  }
  // More may follow when the scan stopped before the end of its candidates, or read as many as allowed.
  const more = examinedThrough < (candidates.at(-1)?.seq ?? afterSeq) || candidates.length === scanRows;
  return { items, examinedThrough, more };
}

export interface EventPage {
  items: TownEvent[];
  /** Pass back as `after` for the next page; null when the log has nothing more (yet). */
  nextCursor: string | null;
}

/**
 * `event.list`: oldest first after the cursor. `latest`: the page starts `limit` events before the end
 * of the log instead (a dashboard's opening feed; filters then apply to those), and its `nextCursor` is
 * the last event's id, to follow the log (or a stream) from there.
 */
export function listEvents(ctx: TownContext, input: EventFilter & { after?: string; limit?: number; latest?: boolean }): EventPage {
  if (input.latest) {
    if (input.after !== undefined) throw new DomainError('BAD_REQUEST', 'latest: not with after');
    const end = lastSeq(ctx);
    const { items } = readEvents(
      ctx,
      Math.max(0, end - (input.limit ?? EVENT_PAGE_DEFAULT)),
      input,
      input.limit ?? EVENT_PAGE_DEFAULT,
      EVENT_SCAN_MAX_ROWS,
    );
    return { items: items.map(toTownEvent), nextCursor: end === 0 ? null : eventIdOf(end) };
  }
  const afterSeq = checkedCursor(ctx, 'after', input.after);
  const limit = input.limit ?? EVENT_PAGE_DEFAULT;
  // Unfiltered (or only by an indexed id), every candidate matches: read one more than the page.
  const scanRows =
    input.rigId === undefined && input.types === undefined && input.scope === undefined
      ? limit + 1
      : Math.max(limit + 1, EVENT_SCAN_MAX_ROWS);
  const { items, examinedThrough, more } = readEvents(ctx, afterSeq, input, limit, scanRows);
  return { items: items.map(toTownEvent), nextCursor: more ? eventIdOf(examinedThrough) : null };
}
