import { exports } from 'cloudflare:workers';
import type { z } from 'zod';
import { appRouter } from '../server/router';

export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  inputs: z.core.$ZodType[];
}

/** Every procedure of the router, read from its definition. */
export const procedures: ProcedureInfo[] = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo['type']; inputs: z.core.$ZodType[] } }>,
).map(([path, p]) => ({ path, type: p._def.type, inputs: p._def.inputs }));

/** Calls a procedure over raw HTTP (bypassing the typed client), the way curl would. */
export function rawCall(p: { path: string; type: string }, input: unknown, init: { token?: string | null; method?: string } = {}) {
  // Subscriptions are Server-Sent Events: a GET, like a query.
  const method = init.method ?? (p.type === 'mutation' ? 'POST' : 'GET');
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

/**
 * A response as status + error body, whatever the procedure type. tRPC answers a subscription's error
 * inside its event stream (HTTP 200, one `event: serialized-error` carrying the error and its
 * `httpStatus`): that is read as the status it stands for.
 */
export async function errorOf(res: Response): Promise<{ status: number; body: ErrorBody }> {
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    return { status: res.status, body: (await res.json()) as ErrorBody };
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (reader && !/event: serialized-error\ndata: .*\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader?.cancel();
  const data = text.match(/event: serialized-error\ndata: (.*)\n/)?.[1];
  if (!data) throw new Error(`no error in the event stream: ${text}`);
  const error = JSON.parse(data) as ErrorBody['error'];
  return { status: error.data.httpStatus, body: { error } };
}
