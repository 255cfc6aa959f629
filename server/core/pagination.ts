import { and, eq, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { DomainError } from './errors';

// Keyset pagination, newest first, over (timestamp, id): a page costs the same however long the list is.

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The zod pieces every paged list accepts. */
export const pageInput = {
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().min(1).max(512).optional(),
};

interface CursorKey {
  at: string;
  id: string;
}

const badCursor = () => new DomainError('BAD_REQUEST', 'cursor: not a cursor returned by this list');

// A cursor is the last item's key as base64url JSON: opaque to callers, checked when it comes back.
function encodeCursor(key: readonly (string | number)[]): string {
  return btoa(JSON.stringify(key)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

function decodeCursor(cursor: string): unknown[] {
  try {
    const key: unknown = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')));
    if (Array.isArray(key)) return key;
  } catch {
    // fall through to the caller's error
  }
  throw badCursor();
}

function decodeKey(cursor: string): CursorKey {
  const [at, id] = decodeCursor(cursor);
  if (typeof at === 'string' && typeof id === 'string') return { at, id };
  throw badCursor();
}

/** The condition "strictly older than the cursor's row", or undefined for the first page. */
export function olderThanCursor(at: SQLiteColumn, id: SQLiteColumn, cursor: string | undefined): SQL | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeKey(cursor);
  return or(lt(at, key.at), and(eq(at, key.at), lt(id, key.id)));
}

/** Cuts `rows` (fetched with `limit + 1`) to a page, with a cursor when there is more. */
export function toPage<Row, T>(rows: Row[], limit: number, key: (row: Row) => CursorKey, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (!last || rows.length <= limit) return { items: items.map(map), nextCursor: null };
  const { at, id } = key(last);
  return { items: items.map(map), nextCursor: encodeCursor([at, id]) };
}

// Lists in arrival order (oldest first) page over the table's rowid instead.

/** The rowid after which the next page starts, or 0 for the first page. */
export function afterRowidCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const [rowid] = decodeCursor(cursor);
  if (typeof rowid === 'number' && Number.isSafeInteger(rowid)) return rowid;
  throw badCursor();
}

/** Cuts `rows` (fetched with `limit + 1`, in rowid order) to a page, with a cursor when there is more. */
export function toRowidPage<Row extends { rowid: number }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor([last.rowid]) : null };
}

// Lists in another integer order (a convoy's beads by position) use the same cursor form.

/** The position after which the next page starts (-1 for the first page). */
export const afterPositionCursor = (cursor: string | undefined): number => (cursor === undefined ? -1 : afterRowidCursor(cursor));

/** The cursor of a page that ends at `position`. */
export const positionCursor = (position: number): string => encodeCursor([position]);
