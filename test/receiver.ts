import { inject } from 'vitest';

// The test side of the webhook receiver started by test/webhook-receiver.mjs (vitest globalSetup).

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverPort: number;
  }
}

export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
}

const base = () => `http://127.0.0.1:${inject('webhookReceiverPort')}`;

/** The URL a town's webhook should point at to be recorded under `name`. */
export const hookUrl = (name: string) => `${base()}/hooks/${name}`;

/**
 * Makes the next `failures` posts to `name` answer `status` (and/or each answer wait `delayMs`), with a
 * `Location: location` header if given (a redirect). With `hold`, each of those posts waits for
 * `releaseHooks(name)` before answering: a test decides when the answer comes, no clock involved.
 */
export async function planHook(
  name: string,
  plan: { failures?: number; status?: number; delayMs?: number; location?: string; hold?: boolean },
): Promise<void> {
  await fetch(`${base()}/control/${name}`, { method: 'PUT', body: JSON.stringify(plan) });
}

/** What the receiver has seen posted to `name`, oldest first. */
export async function receivedHooks(name: string): Promise<ReceivedHook[]> {
  return (await fetch(`${base()}/control/${name}`)).json<ReceivedHook[]>();
}

/** How many posts reached `name` so far, answered or still held. */
export async function arrivedHooks(name: string): Promise<number> {
  return (await (await fetch(`${base()}/control/${name}/arrived`)).json<{ arrived: number }>()).arrived;
}

/** Answers the posts to `name` held by a `hold` plan. */
export async function releaseHooks(name: string): Promise<void> {
  await fetch(`${base()}/control/${name}/release`, { method: 'POST' });
}
