import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../server/router';

/** The most queries one batched request may carry (the Worker's BATCH_MAX_QUERIES): more go in another request. */
const MAX_BATCH_QUERIES = 20;

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type TownClient = TRPCClient<AppRouter>;

/** A fetch the client can be given, e.g. a service binding's or `ctx.exports.default.fetch` inside a Durable Object. */
export type TownFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface TownClientOptions {
  /** Base URL of the town Worker, e.g. `http://localhost:8787`. `/trpc` is appended. */
  url: string;
  /** The admin `TOWN_API_TOKEN` (`dev-token` in local dev), or a `town` / `rig` token from `auth.issueToken`. Always sent as a header, never in a URL. */
  token: string;
  /** A custom fetch, e.g. a service binding's or `ctx.exports.default.fetch` inside a Durable Object. */
  fetch?: TownFetch;
}

/**
 * The Worker refuses a stream before it starts with a real HTTP status and tRPC's JSON error body (a
 * revoked token: 401; a bad cursor: 400; a pruned one: 412). An EventSource would only see "not 200"
 * and lose the code, so such an answer is handed to the link as the stream's one `serialized-error`
 * event: `onError` gets a TRPCClientError with its code (`isSignedOut` for UNAUTHORIZED), not retried.
 */
async function refusalAsStreamError(res: Response): Promise<Response> {
  if (res.ok || !res.headers.get('content-type')?.includes('application/json')) return res;
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
  if (!body?.error) return res;
  const sse = `event: serialized-error\ndata: ${JSON.stringify(body.error)}\n\n`;
  return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** The longest GET a batch of queries makes; a longer batch is split into several requests. */
const MAX_BATCH_URL_CHARS = 8_000;

/**
 * A fully typed client for the town API (plain JSON over HTTP, no transformer), over three links:
 * - subscriptions (`event.subscribe`): Server-Sent Events through the `eventsource` package, whose
 *   custom fetch sends the `Authorization` header (a browser's EventSource cannot), reconnecting with
 *   the last event id;
 * - queries: `httpBatchLink`, so reads made together (the Mayor's briefing: four) travel as one request;
 * - mutations: one request each (`httpLink`): a batch would share one 1 MiB body limit, so two large
 *   creates made together could be refused where each alone is fine.
 */
export function createTownClient({ url, token, fetch }: TownClientOptions): TownClient {
  const endpoint = `${url.replace(/\/+$/, '')}/trpc`;
  const authorization = `Bearer ${token}`;
  const doFetch: TownFetch = fetch ?? ((input, init) => globalThis.fetch(input, init));
  const headers = () => ({ authorization });
  const custom = fetch ? { fetch } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: endpoint,
          EventSource,
          eventSourceOptions: {
            // Only the fields every runtime's fetch accepts (workerd refuses `mode` and `cache`).
            fetch: async (input, init) =>
              refusalAsStreamError(
                await doFetch(input, { headers: { ...init.headers, authorization }, signal: init.signal as AbortSignal | undefined }),
              ),
          },
        }),
        false: splitLink({
          condition: (op) => op.type === 'query',
          true: httpBatchLink({ url: endpoint, headers, maxURLLength: MAX_BATCH_URL_CHARS, maxItems: MAX_BATCH_QUERIES, ...custom }),
          false: httpLink({ url: endpoint, headers, ...custom }),
        }),
      }),
    ],
  });
}

/**
 * Whether an error means the caller is signed out: its token is missing, expired or revoked, or its
 * rig was removed. An `event.subscribe` stream whose token stops holding ends with this error (its
 * `onError`) and does not reconnect; a new token is needed.
 */
export function isSignedOut(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: unknown } | undefined)?.code === 'UNAUTHORIZED';
}
