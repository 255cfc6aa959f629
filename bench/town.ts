import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import type { NewBead } from '../server/convoys/convoys';
import type { Outcome } from '../server/core/errors';
import { townStub as serverTownStub } from '../server/core/town-stub';
import { rigStub } from '../server/rigs/stub';

// What the scenarios share: a fresh town reached through its TownDO stub, rigs registered on it, beads.

/** The TownDO serving `townId` (server/core/town-stub.ts, with the bench's env). */
export const townStub = (townId: string) => serverTownStub(env, townId);

/** A DO method's Outcome, or a throw: a scenario must not time a failed call as if it had worked. */
export function value<T>(result: Outcome<T>): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

/** A fresh town with `rigCount` registered rigs (each Rig DO is reached once, so none cold-starts mid-measure). */
export async function benchTown(label: string, rigCount: number) {
  const townId = `bench-${label}-${crypto.randomUUID().slice(0, 8)}`;
  const stub = townStub(townId);
  const rigs = [];
  for (let i = 0; i < rigCount; i++) rigs.push(value(await stub.registerRig(townId, { name: `rig-${i}` })));
  await Promise.all(rigs.map((rig) => rigStub(env, townId, rig.id).health()));
  return { townId, stub, rigs };
}

/** `perRig` beads on each rig, rig after rig. */
export function spreadBeads(rigIds: readonly string[], perRig: number, prefix = 'bead'): NewBead[] {
  return rigIds.flatMap((rigId) => Array.from({ length: perRig }, (_, i) => ({ rigId, title: `${prefix}-${i}` })));
}

/** Silences the server's JSON event lines (one per delivery, per heartbeat…) for the rest of the file. */
export function quietLogs() {
  vi.spyOn(console, 'log').mockImplementation(() => {});
}
