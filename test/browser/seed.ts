// Towns the browser suite seeds through the API: a small one (two rigs, a convoy, an escalation) and
// the big one of issue 29 (100 rigs, 40 active convoys of 50 beads, 300 raises over 150 dedup keys).
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter, TownClient } from '../../client/index.ts';

let counter = 0;
/** A fresh town id per test (towns are never shared between tests). */
export const newTownId = (label: string) => `${label}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

/** A town with two rigs (checked by one heartbeat), a convoy of three beads and one open escalation. */
export async function seedSmallTown(api: TownClient, label: string) {
  const townId = newTownId(label);
  const frontend = await api.rig.register.mutate({ townId, name: 'frontend' });
  const backend = await api.rig.register.mutate({ townId, name: 'backend' });
  await api.watchdog.heartbeat.mutate({ townId });
  const convoy = await api.convoy.create.mutate({
    townId,
    title: 'Ship the login page',
    beads: [
      { rigId: frontend.id, title: 'form' },
      { rigId: frontend.id, title: 'validation' },
      { rigId: backend.id, title: 'session endpoint' },
    ],
  });
  const { escalation } = await api.escalation.raise.mutate({
    townId,
    sourceRigId: backend.id,
    severity: 'high',
    message: 'CI is red on main',
  });
  // convoy.create answers the bead ids in input order.
  const rigOfBead = [frontend.id, frontend.id, backend.id];
  const beads = convoy.beadIds.map((id, i) => ({ id, rigId: rigOfBead[i] ?? '' }));
  return { townId, frontend, backend, convoy, beads, escalation };
}

export const BIG_TOWN = { rigs: 100, convoys: 40, beadsPerConvoy: 50, dedupKeys: 150, raisesPerKey: 2 } as const;
/** Calls in flight at once, each its own HTTP request (a mutation travels alone: docs/tenancy.md, Limits). */
const CALLS_IN_FLIGHT = 20;

export const rigName = (i: number) => `rig-${String(i + 1).padStart(3, '0')}`;
export const convoyTitle = (k: number) => `Release train ${String(k + 1).padStart(2, '0')}`;
/** Bead j of convoy k goes to rig (3k + j) mod 100: each convoy spans 50 rigs, every rig holds beads. */
export const rigOfBead = (k: number, j: number) => (3 * k + j) % BIG_TOWN.rigs;
/** Convoy k has k mod 6 beads closed: the convoys are at different stages. */
export const closedIn = (k: number) => k % 6;
/** Key i's severity: 15 critical, 30 high, 45 medium, 60 low. */
export function severityOf(i: number): 'critical' | 'high' | 'medium' | 'low' {
  const tenth = i % 10;
  return tenth === 0 ? 'critical' : tenth <= 2 ? 'high' : tenth <= 5 ? 'medium' : 'low';
}

/** Runs `calls` CALLS_IN_FLIGHT at a time. */
async function inBatches<T>(calls: (() => Promise<T>)[]): Promise<T[]> {
  const answers: T[] = [];
  for (let i = 0; i < calls.length; i += CALLS_IN_FLIGHT) {
    answers.push(...(await Promise.all(calls.slice(i, i + CALLS_IN_FLIGHT).map((call) => call()))));
  }
  return answers;
}

/** The big town of issue 29, seeded through the API, CALLS_IN_FLIGHT calls at a time. */
export async function seedBigTown(url: string, token: string) {
  const api = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
  const townId = newTownId('big');
  const rigs = await inBatches(
    Array.from({ length: BIG_TOWN.rigs }, (_, i) => () => api.rig.register.mutate({ townId, name: rigName(i) })),
  );
  await api.watchdog.heartbeat.mutate({ townId });
  const rigId = (i: number) => rigs[i]?.id ?? '';
  const convoys = await inBatches(
    Array.from({ length: BIG_TOWN.convoys }, (_, k) => async () => {
      const beads = Array.from({ length: BIG_TOWN.beadsPerConvoy }, (_, j) => ({ rigId: rigId(rigOfBead(k, j)), title: `step ${j + 1}` }));
      const convoy = await api.convoy.create.mutate({ townId, title: convoyTitle(k), beads });
      return { id: convoy.id, title: convoyTitle(k), beadIds: convoy.beadIds, rigIds: beads.map((b) => b.rigId) };
    }),
  );
  await inBatches(
    convoys.flatMap((convoy, k) =>
      convoy.beadIds
        .slice(0, closedIn(k))
        .map((beadId, j) => () => api.rig.closeBead.mutate({ townId, rigId: convoy.rigIds[j] ?? '', beadId })),
    ),
  );
  // Each dedup key raised twice: 150 escalations with `occurrences: 2`.
  for (let round = 0; round < BIG_TOWN.raisesPerKey; round++) {
    await inBatches(
      Array.from(
        { length: BIG_TOWN.dedupKeys },
        (_, i) => () =>
          api.escalation.raise.mutate({
            townId,
            sourceRigId: rigId(i % BIG_TOWN.rigs),
            severity: severityOf(i),
            category: 'disk',
            dedupKey: `disk-${i}`,
            message: `Disk filling on ${rigName(i % BIG_TOWN.rigs)} (check ${i + 1})`,
          }),
      ),
    );
  }
  return { townId, rigs, convoys };
}
