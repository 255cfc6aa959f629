import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  type AccessMeta,
  admitsAnswer,
  admitsCall,
  authenticate,
  checksAnswer,
  FORBIDDEN_MESSAGE,
  type Principal,
  type TownCall,
  townCall,
  UNAUTHORIZED_MESSAGE,
} from './access';
import { type TownCalls, townCalls } from './town-calls';

export interface Context {
  env: Env;
  req: Request;
}

/** Zod issues as one readable line that names each field: `beads.0.title: Too small…`. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}

/** A comment-like `ping` event this often keeps proxies from cutting an idle event stream. */
export const SSE_PING_INTERVAL_MS = 10_000;
/** A client that hears nothing (not even a ping) this long reconnects, resuming from its last event id. */
export const SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS = 30_000;

const t = initTRPC
  .context<Context>()
  .meta<AccessMeta>()
  .create({
    // Stack traces never reach callers; unexpected errors are logged server-side instead.
    isDev: false,
    sse: {
      ping: { enabled: true, intervalMs: SSE_PING_INTERVAL_MS },
      client: { reconnectAfterInactivityMs: SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS },
    },
    errorFormatter({ shape, error }) {
      const zodError = error.code === 'BAD_REQUEST' && error.cause instanceof z.ZodError ? error.cause : null;
      // An unexpected error's own message (an SQL statement, a peer's reply) stays in the logs; callers
      // get a generic one. Deliberate 500s (a TRPCError without a cause) keep theirs.
      const unexpected = error.code === 'INTERNAL_SERVER_ERROR' && error.cause !== undefined;
      return {
        ...shape,
        message: zodError ? describeIssues(zodError) : unexpected ? 'internal error' : shape.message,
        data: { ...shape.data, zodError: zodError ? z.flattenError(zodError) : null },
      };
    },
  });

export const router = t.router;

/**
 * The one place that decides who may call what: authenticates the bearer token, then checks it against
 * the procedure's declared `meta` access (role, town, rig) — before the input is even validated, and on
 * the answer for `rigOwned` queries (never a write's). A procedure that declares nothing refuses everyone.
 */
const authorized = t.middleware(async ({ ctx, meta, path, type, getRawInput, next }) => {
  // Deployed without a token is an operator error, never an open door or a default.
  if (!ctx.env.TOWN_API_TOKEN) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'TOWN_API_TOKEN is not configured' });
  const principal = await authenticate(ctx.env, ctx.req.headers.get('authorization'));
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE });
  const declared = meta?.access;
  if (!declared) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${path} declares no access` });
  // Every decision about a write is made before it runs: a refused write must leave no row changed.
  if (type !== 'query' && checksAnswer(declared)) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${path} is a ${type}: it cannot be decided by its answer` });
  }
  if (!admitsCall(principal, declared, await getRawInput())) throw new TRPCError({ code: 'FORBIDDEN', message: FORBIDDEN_MESSAGE });
  const result = await next({
    ctx: {
      principal,
      caller: (townId: string): TownCall => townCall(principal, townId),
      town: (townId: string) => townCalls(ctx.env, townId, townCall(principal, townId)),
    } satisfies Authorized,
  });
  if (result.ok && !admitsAnswer(principal, declared, result.data)) throw new TRPCError({ code: 'FORBIDDEN', message: FORBIDDEN_MESSAGE });
  return result;
});

/** What the middleware adds to the context of every procedure. */
export interface Authorized {
  principal: Principal;
  /** The caller as the TownDO call takes it, so revocation is checked inside that call. */
  caller: (townId: string) => TownCall;
  /** The town's TownDO as this caller: `ctx.town(townId).getRig(rigId)` (auth/town-calls.ts). */
  town: (townId: string) => TownCalls;
}

/** Every procedure: declare its access with `.meta(access.…)` (server/auth.ts). */
export const procedure = t.procedure.use(authorized);

/** Every input names its town: 1–128 chars of [A-Za-z0-9_-]. */
export const townId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be 1-128 chars of [A-Za-z0-9_-]');
export const entityId = z.string().min(1).max(128);
export const townInput = z.strictObject({ townId });
