import type { convoyBeads, convoys } from '../../schema/town';
import { DomainError } from '../errors';

// The wire shapes of a convoy (no internal columns) and its list cursor.

export type ConvoyStatus = 'active' | 'landed' | 'cancelled';

export interface ConvoySummary {
  id: string;
  title: string;
  status: ConvoyStatus;
  totalBeads: number;
  closedBeads: number;
  createdBy: string | null;
  createdAt: string;
  landedAt: string | null;
}

export interface ConvoyBead {
  id: string;
  rigId: string;
  title: string;
  status: 'open' | 'closed';
}

export interface Convoy extends ConvoySummary {
  beads: ConvoyBead[];
}

export function toSummary(row: typeof convoys.$inferSelect): ConvoySummary {
  const { id, title, status, totalBeads, closedBeads, createdBy, createdAt, landedAt } = row;
  return { id, title, status, totalBeads, closedBeads, createdBy, createdAt, landedAt };
}

export function toConvoyBead(row: Pick<typeof convoyBeads.$inferSelect, 'beadId' | 'rigId' | 'title' | 'status'>): ConvoyBead {
  return { id: row.beadId, rigId: row.rigId, title: row.title, status: row.status };
}

/** Where a page ended: opaque to callers (base64url of the last item's createdAt and id). */
export interface ListPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(position: ListPosition): string {
  return btoa(JSON.stringify([position.createdAt, position.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function decodeCursor(cursor: string): ListPosition {
  try {
    const parsed: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [createdAt, id] = parsed as unknown[];
      if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
    }
  } catch {
    // Not base64 or not JSON: the same answer as a well-formed cursor of the wrong shape, below.
  }
  throw new DomainError('BAD_REQUEST', 'cursor: not a cursor returned by convoy.list');
}
