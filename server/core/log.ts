export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One JSON line per event, readable with `wrangler tail`: level, event, then the event's fields. */
export function logEvent(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
