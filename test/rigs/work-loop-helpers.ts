import { runDurableObjectAlarm } from 'cloudflare:test';
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

/** Runs the RigDO's alarm (lease expiry, reports to the town) until nothing more is due now. */
export async function drainRigAlarm(townId: string, rigId: string) {
  for (let i = 0; i < 5 && (await runDurableObjectAlarm(rigDo(townId, rigId))); i++);
}
