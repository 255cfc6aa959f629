import type { HealthStatus } from '../../schema/town';

/** What one check of one target saw. `error` says why a target is not healthy (null when it is). */
export interface CheckResult {
  status: HealthStatus;
  latencyMs: number;
  error: string | null;
}

const ERROR_MAX_CHARS = 500;

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles with `work`, or rejects with a TimeoutError after `ms`. The work itself cannot be cancelled
 * (an RPC call keeps running), but nobody waits for it any more: a hung target costs one timeout.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

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
