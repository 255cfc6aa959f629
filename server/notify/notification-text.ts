// Human-readable subject and body of a notification, shared by the Mayor's mail and email.

export interface NotificationPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface NotificationText {
  subject: string;
  text: string;
}

/** The fields of an escalation a notification shows (the escalation's wire shape has them all). */
interface EscalationFields {
  id: string;
  sourceRigId: string;
  sourceAgentId: string | null;
  severity: string;
  originalSeverity: string;
  category: string | null;
  message: string;
  reEscalationCount: number;
  createdAt: string;
}

const SUBJECT_MESSAGE_CHARS = 80;

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > SUBJECT_MESSAGE_CHARS ? `${line.slice(0, SUBJECT_MESSAGE_CHARS - 1)}…` : line;
}

function escalationHeadline(type: string, escalation: EscalationFields): string {
  const level = escalation.severity.toUpperCase();
  if (type === 'escalation.reescalated') return `Re-escalated to ${level} (raised as ${escalation.originalSeverity}, unacknowledged)`;
  if (type === 'escalation.upgraded') return `Upgraded to ${level} (raised again at a higher severity)`;
  if (type === 'escalation.resolved') return `Resolved: ${level} escalation`;
  if (type === 'escalation.resumed') return `${level} escalation (its silence or inhibition ended)`;
  return `${level} escalation`;
}

/** A group digest: one line per escalation, most severe first. */
function describeGroup(townId: string, data: Record<string, unknown>): NotificationText {
  const listed = [...(data.escalations as (EscalationFields & { sourceRigName?: string })[])].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
  );
  const counts = SEVERITY_ORDER.map((s) => [s, listed.filter((e) => e.severity === s).length] as const).filter(([, n]) => n > 0);
  const summary = counts.map(([s, n]) => `${n} ${s}`).join(', ');
  const lines = listed.map(
    (e) => `- ${e.severity.toUpperCase()} from ${e.sourceRigName ?? e.sourceRigId}: ${firstLine(e.message)} (${e.id})`,
  );
  return {
    subject: `[town ${townId}] ${listed.length} escalations (${summary})`,
    text: [`${listed.length} escalations in town ${townId} (${summary}):`, '', ...lines].join('\n'),
  };
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

function describeEscalation(townId: string, type: string, data: Record<string, unknown>): NotificationText {
  const escalation = data.escalation as EscalationFields;
  const rig = typeof data.sourceRigName === 'string' ? data.sourceRigName : escalation.sourceRigId;
  const headline = escalationHeadline(type, escalation);
  const lines = [
    `${headline} from ${rig} in town ${townId}.`,
    '',
    escalation.message,
    '',
    `Severity:    ${escalation.severity}${escalation.reEscalationCount ? ` (raised as ${escalation.originalSeverity}, re-escalated ${escalation.reEscalationCount}×)` : ''}`,
    `Source:      rig ${rig} (${escalation.sourceRigId})${escalation.sourceAgentId ? `, agent ${escalation.sourceAgentId}` : ''}`,
    ...(escalation.category ? [`Category:    ${escalation.category}`] : []),
    `Raised at:   ${escalation.createdAt}`,
    `Escalation:  ${escalation.id}`,
    '',
    ...(type === 'escalation.resolved'
      ? []
      : [`Acknowledge it with escalation.acknowledge({ townId: "${townId}", escalationId: "${escalation.id}" }).`]),
  ];
  return { subject: `[town ${townId}] ${headline} from ${rig}: ${firstLine(escalation.message)}`, text: lines.join('\n') };
}

/** Headlines of the events people see most; other types read as their type name. */
function headline(payload: NotificationPayload): string {
  const { data } = payload;
  if (payload.type === 'convoy.landed' && typeof data.title === 'string') {
    return `Convoy "${firstLine(data.title)}" landed (${String(data.closedBeads)}/${String(data.totalBeads)} beads closed)`;
  }
  if (payload.type === 'convoy.failed' && typeof data.title === 'string') {
    return `Convoy "${firstLine(data.title)}" failed (${String(data.failedBeads)} of ${String(data.totalBeads)} beads failed)`;
  }
  if (payload.type === 'watchdog.recovered' && typeof data.name === 'string') return `${data.name} recovered`;
  return payload.type;
}

/** Any other event type (e.g. `convoy.landed`): a headline, then its fields, one per line. */
function describeEvent(townId: string, payload: NotificationPayload): NotificationText {
  const fields = Object.entries(payload.data).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const title = headline(payload);
  return {
    subject: `[town ${townId}] ${title}`,
    text: [`${title} in town ${townId} at ${payload.timestamp}.`, '', ...fields].join('\n'),
  };
}

export function describeNotification(townId: string, payload: NotificationPayload): NotificationText {
  if (payload.type === 'escalation.group' && Array.isArray(payload.data.escalations)) return describeGroup(townId, payload.data);
  if (payload.type.startsWith('escalation.') && payload.data.escalation) return describeEscalation(townId, payload.type, payload.data);
  return describeEvent(townId, payload);
}
