import type { escalations } from '../../schema/town';
import type { Severity } from './severity';

export type EscalationStatus = 'open' | 'acknowledged' | 'resolved';

/** An escalation on the wire: camelCase, ISO-8601 timestamps, no internal columns. */
export interface Escalation {
  id: string;
  sourceRigId: string;
  sourceAgentId: string | null;
  severity: Severity;
  /** The severity it was raised with; `severity` moves up when it is re-escalated or raised again higher. */
  originalSeverity: Severity;
  category: string | null;
  message: string;
  /** `open` → `acknowledged` → `resolved` (or `open` → `resolved`); a resolved escalation never moves again. */
  status: EscalationStatus;
  acknowledged: boolean;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolveReason: string | null;
  reEscalationCount: number;
  lastReEscalatedAt: string | null;
  /** Raises with this key count here while it is unresolved. */
  dedupKey: string | null;
  /** How many raises it stands for (1 + the repeats folded into it). */
  occurrences: number;
  /** When it was last raised (its first raise, or the latest repeat). */
  lastSeenAt: string;
  convoyId: string | null;
  beadId: string | null;
  /** The silence that keeps it from notifying anyone, while that silence lasts. */
  silencedBy: string | null;
  /** The open escalation that covers it (the Town Container's outage), while that one is open. */
  inhibitedBy: string | null;
  createdAt: string;
}

export type EscalationRow = typeof escalations.$inferSelect;

/** `status` is a generated column: computed here too, so a row built in memory (before insert) reads right. */
export function statusOf(row: Pick<EscalationRow, 'resolvedAt' | 'acknowledged'>): EscalationStatus {
  if (row.resolvedAt !== null) return 'resolved';
  return row.acknowledged ? 'acknowledged' : 'open';
}

export function toEscalation(row: EscalationRow): Escalation {
  return {
    id: row.id,
    sourceRigId: row.sourceRigId,
    sourceAgentId: row.sourceAgentId,
    severity: row.severity,
    originalSeverity: row.originalSeverity ?? row.severity,
    category: row.category,
    message: row.message,
    status: statusOf(row),
    acknowledged: row.acknowledged,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: row.acknowledgedBy,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
    resolveReason: row.resolveReason,
    reEscalationCount: row.reEscalationCount,
    lastReEscalatedAt: row.lastReEscalatedAt,
    dedupKey: row.dedupKey,
    occurrences: row.occurrences,
    lastSeenAt: row.lastSeenAt ?? row.createdAt,
    convoyId: row.convoyId,
    beadId: row.beadId,
    silencedBy: row.silencedBy,
    inhibitedBy: row.inhibitedBy,
    createdAt: row.createdAt,
  };
}
