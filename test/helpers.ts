import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { TRPCClientError } from '@trpc/client';
import { and, eq } from 'drizzle-orm';
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite';
import { expect, vi } from 'vitest';
import { type AppRouter, createTownClient, type TownClient } from '../client/index';
import * as townSchema from '../schema/town';
import { eventIdOf } from '../server/core/event-shape';
import { townStub as serverTownStub } from '../server/core/town-stub';

/** The Worker under test, reached the way a consumer would: the typed client over HTTP. */
export function client(token = 'dev-token'): TownClient {
  return createTownClient({
    url: 'http://town.test',
    token,
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });
}

/** The dev-only webhook signing secret from wrangler.jsonc `env.dev`. */
export function devSigningSecret(): string {
  const secret = env.WEBHOOK_SIGNING_SECRET;
  if (!secret) throw new Error('WEBHOOK_SIGNING_SECRET is missing from the dev config');
  return secret;
}

let counter = 0;
/** A fresh town per test, so tests never see each other's data. */
export function newTownId(label = 'town'): string {
  counter += 1;
  return `${label}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Asserts a call fails with the given tRPC code (and, optionally, a message fragment). */
export async function expectTrpcError(call: Promise<unknown>, code: string, message?: string | RegExp) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(TRPCClientError);
  const trpcError = error as TRPCClientError<AppRouter>;
  expect(trpcError.data?.code).toBe(code);
  if (message) expect(trpcError.message).toMatch(message);
  return trpcError;
}

type RigBeadsInput = Parameters<TownClient['rig']['beads']['query']>[0];

/** Every bead of a rig (following `rig.beads` pages), in arrival order. */
export async function allRigBeads(input: RigBeadsInput) {
  const api = client();
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await api.rig.beads.query({ ...input, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

type ConvoyBeadsInput = Parameters<TownClient['convoy']['beads']['query']>[0];

/** Every bead of a convoy (following `convoy.beads` pages, short ones included), in the order added. */
export async function allConvoyBeads(input: ConvoyBeadsInput) {
  const api = client();
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await api.convoy.beads.query({ ...input, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The TownDO serving `townId` (server/core/town-stub.ts, with the test env). */
export const townStub = (townId: string) => serverTownStub(env, townId);

/**
 * Silences console levels for the current test (restored by vi.restoreAllMocks / the next test's
 * restoreMocks): the service logs one JSON line per operation, which buries a failure's output.
 */
export function quietConsole(...levels: ('log' | 'warn' | 'error')[]): void {
  for (const level of levels.length ? levels : (['log', 'warn'] as const)) vi.spyOn(console, level).mockImplementation(() => {});
}

/** Runs `fn` inside the town's DO with a Drizzle handle on its database (test-only inspection). */
export function withTownDb<R>(
  townId: string,
  fn: (db: ReturnType<typeof drizzle<typeof townSchema>>, storage: DurableObjectStorage) => R | Promise<R>,
) {
  return runInDurableObject(townStub(townId), (_instance, state) => fn(drizzle(state.storage, { schema: townSchema }), state.storage));
}

type EventListInput = Parameters<TownClient['event']['list']['query']>[0];

/** Every event of the town's log matching the filter (following pages), oldest first. */
export async function allEvents(input: EventListInput) {
  const api = client();
  const items = [];
  let after = input.after;
  for (;;) {
    const page = await api.event.list.query({ ...input, after, limit: 200 });
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    after = page.nextCursor;
  }
}

/** The ids of an escalation's routings (raised, then each re-escalation): the ids its notifications carry. */
export async function routingEventIds(townId: string, escalationId: string): Promise<string[]> {
  const routings = await allEvents({ townId, escalationId, types: ['escalation.raised', 'escalation.reescalated'] });
  return routings.map((e) => e.id);
}

/** Inside the TownDO (a test's runInDurableObject): the id of the event that raised `escalationId`. */
export function raisedEventIdIn(db: DrizzleSqliteDODatabase<typeof townSchema>, escalationId: string): string {
  const row = db
    .select({ seq: townSchema.events.seq })
    .from(townSchema.events)
    .where(and(eq(townSchema.events.escalationId, escalationId), eq(townSchema.events.type, 'escalation.raised')))
    .get();
  if (!row) throw new Error(`no escalation.raised event for ${escalationId}`);
  return eventIdOf(row.seq);
}
