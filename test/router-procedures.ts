import { exports } from 'cloudflare:workers';
import type { z } from 'zod';
import { appRouter } from '../server/router';

export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation';
  inputs: z.core.$ZodType[];
  /** The procedure's tRPC meta: `{ access }` (server/auth.ts). */
  meta: { access?: unknown } | undefined;
}

/** Every procedure of the router, read from its definition. */
export const procedures: ProcedureInfo[] = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: 'query' | 'mutation'; inputs: z.core.$ZodType[]; meta?: { access?: unknown } } }
  >,
).map(([path, p]) => ({ path, type: p._def.type, inputs: p._def.inputs, meta: p._def.meta }));

/** Calls a procedure over raw HTTP (bypassing the typed client), the way curl would. */
export function rawCall(p: { path: string; type: string }, input: unknown, init: { token?: string | null; method?: string } = {}) {
  const method = init.method ?? (p.type === 'query' ? 'GET' : 'POST');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? 'dev-token'}`;
  const encoded = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const url = `http://town.test/trpc/${p.path}${method === 'GET' ? encoded : ''}`;
  const body = method === 'GET' || input === undefined ? undefined : JSON.stringify(input);
  return exports.default.fetch(new Request(url, { method, headers, body }));
}

export interface ErrorBody {
  error: { message: string; data: { code: string; httpStatus: number; stack?: string } };
}
