import { MINUTE_MS, SECOND_MS } from '../core/time';

// How long a bead waits after a failed attempt before it can be claimed again (Sidekiq/Temporal style
// exponential backoff, without jitter: the claim queue orders beads, so retries do not stampede).

export const RETRY_BACKOFF_BASE_MS = 30 * SECOND_MS;
export const RETRY_BACKOFF_MAX_MS = 15 * MINUTE_MS;

/** 30 s × 2^(attempt − 1), at most 15 min; `attempt` is the one that failed (1 for the first). */
export function retryBackoffMs(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(RETRY_BACKOFF_BASE_MS * 2 ** exponent, RETRY_BACKOFF_MAX_MS);
}
