import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/router';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type TownClient = TRPCClient<AppRouter>;

export interface TownClientOptions {
  /** Base URL of the town Worker, e.g. `http://localhost:8787`. `/trpc` is appended. */
  url: string;
  /** The admin `TOWN_API_TOKEN` (`dev-token` in local dev), or a `town` / `rig` token from `auth.issueToken`. */
  token: string;
  /** A custom fetch, e.g. a service binding's or `ctx.exports.default.fetch` inside a Durable Object. */
  fetch?: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
}

/** A fully typed client for the town API (plain JSON over HTTP, no transformer). */
export function createTownClient({ url, token, fetch }: TownClientOptions): TownClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url.replace(/\/+$/, '')}/trpc`,
        headers: () => ({ authorization: `Bearer ${token}` }),
        ...(fetch ? { fetch } : {}),
      }),
    ],
  });
}
