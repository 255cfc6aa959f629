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

function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify([key.at, key.id]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const [at, id] = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))) as unknown[];
    if (typeof at === 'string' && typeof id === 'string') return { at, id };
  } catch {
    // fall through to the caller's error
  }
  throw new DomainError('BAD_REQUEST', 'cursor: not a cursor returned by this list');
}

/** The condition "strictly older than the cursor's row", or undefined for the first page. */
export function olderThanCursor(at: SQLiteColumn, id: SQLiteColumn, cursor: string | undefined): SQL | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  return or(lt(at, key.at), and(eq(at, key.at), lt(id, key.id)));
}

/** Cuts `rows` (fetched with `limit + 1`) to a page, with a cursor when there is more. */
export function toPage<Row, T>(rows: Row[], limit: number, key: (row: Row) => CursorKey, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
