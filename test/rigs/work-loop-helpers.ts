import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { client, newTownId } from '../helpers';

export const api = client();

export const rigDo = (townId: string, rigId: string) => env.RIG.get(env.RIG.idFromName(`${townId}/${rigId}`));

/** A town with one rig and a convoy of `n` beads on it (delivered), plus its ids. */
export async function rigWithBeads(n: number, options: { maxAttempts?: number; requireRef?: boolean } = {}) {
  const townId = newTownId('loop');
  const rig = await api.rig.register.mutate({ townId, name: 'worker' });
  const beads = Array.from({ length: n }, (_, i) => ({ rigId: rig.id, title: `bead-${i}` }));
  const convoy = await api.convoy.create.mutate({ townId, title: 'work', beads, ...options });
  return { townId, rigId: rig.id, convoy, beadIds: convoy.beadIds, ref: { townId, rigId: rig.id } };
}

/**
 * Runs the RigDO's alarm until its reports have reached the town (they wait ~1 s to share a batch: with
 * the real clock this waits for them; with a fake one, set it past them first).
 */
export async function drainRigAlarm(townId: string, rigId: string) {
  const stub = rigDo(townId, rigId);
  for (let i = 0; i < 40; i++) {
    await runDurableObjectAlarm(stub);
    const pending = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec('select count(*) as n from town_reports').one().n);
    if (pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rig ${rigId} still has reports for the town`);
}
