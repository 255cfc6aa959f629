import { TRPCError } from '@trpc/server';

// The one way a caller's mistake travels from the logic modules, across the DO RPC boundary, to tRPC.
// Workers RPC keeps only an error's message, so DO methods return an Outcome instead of throwing.

export type DomainErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} not found`);

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: DomainErrorCode; message: string };

/** Runs `fn`, turning a DomainError into a failed Outcome; anything else is a bug and propagates. */
export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** The tRPC side: a failed Outcome becomes a TRPCError with the same code. */
export function unwrap<T>(result: Outcome<T>): T {
  if (result.ok) return result.value;
  throw new TRPCError({ code: result.code, message: result.message });
}
