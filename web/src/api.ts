// The page's one way to the API: the typed client (a change of the wire fails `npm run typecheck`).

import { createTownClient, type RouterOutputs, type TownClient } from '@town/client';
import { TRPCClientError } from '@trpc/client';
import type { Session } from './session';

export type { TownClient };
export type Rig = RouterOutputs['rig']['list'][number];
export type WatchdogStatus = RouterOutputs['watchdog']['status'];
export type HealthRecord = WatchdogStatus['targets'][number];
export type ConvoySummary = RouterOutputs['convoy']['list']['items'][number];
export type Convoy = RouterOutputs['convoy']['get'];
export type Escalation = RouterOutputs['escalation']['list']['items'][number];

export function clientFor(session: Session): TownClient {
  // Same origin: the Worker serves this page and the API (`/trpc/*` runs the Worker first).
  return createTownClient({ url: location.origin, token: session.token });
}

/** The tRPC error code of a failed call (`UNAUTHORIZED`, `FORBIDDEN`, …), or null for a network failure. */
export function errorCode(error: unknown): string | null {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: unknown } | undefined;
    return typeof data?.code === 'string' ? data.code : null;
  }
  return null;
}

export function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code === 'UNAUTHORIZED') return 'The token was refused (missing, wrong, expired or revoked).';
  if (code === 'FORBIDDEN') return 'This token may not see this.';
  if (error instanceof Error) return code ? `${code}: ${error.message}` : `Could not reach the town: ${error.message}`;
  return String(error);
}

export type RigProgress = Convoy['rigs'][number];

export type TownEvent = RouterOutputs['event']['list']['items'][number];
