// Compiled by `npm run build:client` against the built package: proves a consumer gets inferred
// inputs and outputs, and that a wrong input does not compile.
import { createTownClient, type RouterInputs, type RouterOutputs } from '@town/client';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(_proof?: T) => {};

assert<
  Equal<
    RouterOutputs['rig']['get'],
    {
      id: string;
      name: string;
      rigDoId: string;
      createdAt: string;
      breaker: { state: 'closed' | 'open' | 'half_open'; openedAt: string | null; reopensAt: string | null };
    }
  >
>();
assert<Equal<RouterInputs['rig']['register'], { townId: string; name: string }>>();
assert<
  Equal<
    RouterOutputs['convoy']['get']['rigs'][number],
    { rigId: string; totalBeads: number; closedBeads: number; doneBeads: number; failedBeads: number; skippedBeads: number }
  >
>();
assert<Equal<RouterOutputs['convoy']['create']['beadIds'], string[]>>();
assert<
  Equal<
    RouterOutputs['convoy']['beads']['items'][number],
    {
      id: string;
      rigId: string;
      title: string;
      status: 'open' | 'closed';
      outcome: 'done' | 'failed' | 'skipped' | null;
      attempt: number;
      heldBy: string | null;
      ref: string | null;
      key: string | null;
      dependsOn: string[];
      blocked: boolean;
      spent: number;
    }
  >
>();
assert<Equal<RouterOutputs['convoy']['beads']['nextCursor'], string | null>>();
assert<Equal<RouterInputs['convoy']['beads']['status'], 'open' | 'closed' | undefined>>();
assert<Equal<RouterOutputs['convoy']['get']['status'], 'active' | 'landed' | 'failed' | 'cancelled'>>();
assert<Equal<RouterInputs['escalation']['raise']['severity'], 'low' | 'medium' | 'high' | 'critical'>>();
assert<Equal<RouterOutputs['mayor']['briefing']['activeConvoys']['items'][number]['progress'], number>>();
assert<Equal<RouterOutputs['event']['list']['items'][number]['id'], string>>();
assert<Equal<RouterInputs['event']['subscribe']['lastEventId'], string | undefined>>();

export async function example() {
  const town = createTownClient({ url: 'http://localhost:8787', token: 'dev-token' });
  const rig = await town.rig.register.mutate({ townId: 't', name: 'alpha' });
  const name: string = rig.name;
  // @ts-expect-error: `name` is required
  await town.rig.register.mutate({ townId: 't' });
  // @ts-expect-error: `rigId` must be a string
  await town.rig.get.query({ townId: 't', rigId: 1 });
  // @ts-expect-error: beads need a rigId
  await town.convoy.create.mutate({ townId: 't', title: 'x', beads: [{ title: 'b' }] });
  // @ts-expect-error: convoy.get no longer answers the beads (they page through convoy.beads)
  (await town.convoy.get.query({ townId: 't', convoyId: 'c' })).beads;
  // @ts-expect-error: not a severity
  await town.escalation.raise.mutate({ townId: 't', sourceRigId: 'r', severity: 'urgent', message: 'm' });
  // @ts-expect-error: no such procedure
  await town.rig.explode.mutate({ townId: 't' });
  const live = town.event.subscribe.subscribe(
    { townId: 't', types: ['convoy.bead_closed'] },
    { onData: ({ id, data }) => void [id.length, data.convoyId, data.type === 'convoy.landed'] },
  );
  // @ts-expect-error: not an event type
  town.event.subscribe.subscribe({ townId: 't', types: ['convoy.exploded'] }, {});
  live.unsubscribe();
  return name;
}
