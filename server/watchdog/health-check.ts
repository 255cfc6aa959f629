import type { HealthStatus } from '../../schema/town';

/** What one check of one target saw. `error` says why a target is not healthy (null when it is). */
export interface CheckResult {
  status: HealthStatus;
  latencyMs: number;
  error: string | null;
}

const ERROR_MAX_CHARS = 500;

export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, ERROR_MAX_CHARS);
}

/** Runs a check and measures it; a check that throws is `unhealthy` with the error's message. */
export async function timedCheck(check: () => Promise<Omit<CheckResult, 'latencyMs'>>): Promise<CheckResult> {
  const started = performance.now();
  const outcome = await check().catch((error: unknown) => ({ status: 'unhealthy' as const, error: describeError(error) }));
  return { ...outcome, error: outcome.error?.slice(0, ERROR_MAX_CHARS) ?? null, latencyMs: Math.round(performance.now() - started) };
}
