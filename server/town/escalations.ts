import { escalations } from '../../schema/town';
import { iso, type TownContext } from './context';

// PLACEHOLDER for the escalation module another branch is writing: same signature, minimal body (it
// only records the escalation). The integrator replaces this file with the real one (routing, outbox).

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface RaiseEscalationInput {
  sourceRigId: string;
  sourceAgentId?: string;
  severity: Severity;
  category?: string;
  message: string;
}

export function raiseEscalation(
  { db, now }: TownContext,
  input: RaiseEscalationInput,
): { escalation: { id: string; severity: Severity; message: string; createdAt: string }; routedTo: string[] } {
  const escalation = { id: crypto.randomUUID(), severity: input.severity, message: input.message, createdAt: iso(now()) };
  db.insert(escalations)
    .values({
      ...escalation,
      sourceRigId: input.sourceRigId,
      sourceAgentId: input.sourceAgentId ?? null,
      category: input.category ?? null,
    })
    .run();
  return { escalation, routedTo: [] };
}
