import type { convoyBeads, convoys } from '../../schema/town';

// The wire shapes of a convoy (no internal columns).

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
  /** Set once retention compacted the convoy: its beads are no longer listed (its figures stay). */
  compactedAt: string | null;
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
  const { id, title, status, totalBeads, closedBeads, createdBy, createdAt, landedAt, compactedAt } = row;
  return { id, title, status, totalBeads, closedBeads, createdBy, createdAt, landedAt, compactedAt };
}

export function toConvoyBead(row: Pick<typeof convoyBeads.$inferSelect, 'beadId' | 'rigId' | 'title' | 'status'>): ConvoyBead {
  return { id: row.beadId, rigId: row.rigId, title: row.title, status: row.status };
}
