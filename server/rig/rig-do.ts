import { DurableObject } from 'cloudflare:workers';

/** One per rig (`RIG.idFromName(`${townId}/${rigId}`)`): holds the rig's beads. */
export class RigDO extends DurableObject<Env> {
  health(): { ok: true } {
    return { ok: true };
  }
}
