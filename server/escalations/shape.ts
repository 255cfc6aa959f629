import type { escalations } from '../../schema/town';
import type { Severity } from '../severity';

/** An escalation on the wire: camelCase, ISO-8601 timestamps, no internal columns. */
export interface Escalation {
  id: string;
  sourceRigId: string;
  sourceAgentId: string | null;
  severity: Severity;
  /** The severity it was raised with; `severity` moves up when it is re-escalated. */
  originalSeverity: Severity;
  category: string | null;
  message: string;
  acknowledged: boolean;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  reEscalationCount: number;
  lastReEscalatedAt: string | null;
  createdAt: string;
}

export type EscalationRow = typeof escalations.$inferSelect;

export function toEscalation(row: EscalationRow): Escalation {
  return {
    id: row.id,
    sourceRigId: row.sourceRigId,
    sourceAgentId: row.sourceAgentId,
    severity: row.severity,
    originalSeverity: row.originalSeverity ?? row.severity,
    category: row.category,
    message: row.message,
    acknowledged: row.acknowledged,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: row.acknowledgedBy,
    reEscalationCount: row.reEscalationCount,
    lastReEscalatedAt: row.lastReEscalatedAt,
    createdAt: row.createdAt,
  };
}
