/**
 * How long a Durable Object waits for another (a Rig DO taking a delivery, the TownDO hearing of a
 * close, the MayorDO taking mail) before the attempt counts as failed and its task is retried.
 */
export const PEER_CALL_TIMEOUT_MS = 15_000;

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles with `work`, or rejects with a TimeoutError after `ms`. The work itself cannot be cancelled
 * (an RPC call keeps running), but nobody waits for it any more: a hung peer costs one timeout.
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
