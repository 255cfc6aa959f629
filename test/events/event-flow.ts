import type { TownEvent } from '../../server/core/event-shape';
import { api, beadsFor, townWithRigs } from '../convoys/convoy-helpers';
import { settle } from '../town-helpers';
import { setRigHealth } from '../watchdog/watchdog-helpers';

// One flow that touches every kind of state change (rigs, a convoy's whole life, an escalation, a
// watchdog outage, routing, notifications), and the exact events it must leave in the log. Shared by
// the log's test and the stream's, so a live subscriber is held to the same sequence.

/** What the flow's events must be: type and the ids each carries (`rig`/`convoy`/`escalation` by role). */
export type ExpectedEvent = [TownEvent['type'], Partial<Pick<TownEvent, 'rigId' | 'convoyId' | 'beadId' | 'escalationId'>>];

export async function newFlowTown() {
  const { townId, rigs } = await townWithRigs('north', 'south');
  return { townId, north: rigs.north, south: rigs.south };
}

/**
 * Runs the flow in a town made by newFlowTown (its two `rig.registered` come first), with a step hook
 * between phases (a test can disconnect or evict there). Returns the events expected after the rigs'.
 */
export async function runFlow(
  town: Awaited<ReturnType<typeof newFlowTown>>,
  between: (phase: 'convoy' | 'escalation' | 'watchdog') => Promise<void> = async () => {},
): Promise<ExpectedEvent[]> {
  const { townId, north, south } = town;
  await api.escalation.setRouting.mutate({ townId, staleAfterMinutes: 600 });
  // The convoy: created, delivered to its one rig, two closes, landed (Mayor notified), reopened, cancelled.
  const convoy = await api.convoy.create.mutate({ townId, title: 'flow', beads: beadsFor(north, 2) });
  const [b0, b1] = convoy.beadIds;
  if (!b0 || !b1) throw new Error('the convoy has no beads');
  await api.rig.closeBead.mutate({ townId, rigId: north, beadId: b0 });
  await api.rig.closeBead.mutate({ townId, rigId: north, beadId: b1 });
  await settle(townId);
  const more = await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: beadsFor(north, 1, 'more') });
  await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
  await settle(townId);
  await between('convoy');

  // An escalation: raised (medium → Mayor), acknowledged.
  const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: north, severity: 'medium', message: 'help' });
  await settle(townId);
  await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id });
  await between('escalation');

  // A watchdog outage of `south`: failing, escalated (an escalation raised), recovered.
  const { rigDoId } = await api.rig.get.query({ townId, rigId: south });
  await setRigHealth(rigDoId, 'unhealthy');
  await api.watchdog.heartbeat.mutate({ townId });
  await api.watchdog.heartbeat.mutate({ townId });
  await settle(townId);
  await setRigHealth(rigDoId, 'heal');
  await api.watchdog.heartbeat.mutate({ townId });
  await settle(townId);
  await between('watchdog');
  await api.rig.remove.mutate({ townId, rigId: south });

  const outage = (await api.escalation.list.query({ townId })).items.find((e) => e.sourceRigId === south);
  if (!outage || more.added !== 1) throw new Error('the flow is missing its outage escalation or its added bead');
  const c = { convoyId: convoy.id };
  const delivered = (ids: ExpectedEvent[1]): ExpectedEvent => ['notification.delivered', ids];
  return [
    ['routing.changed', {}],
    ['convoy.created', c],
    ['convoy.beads_delivered', { ...c, rigId: north }],
    ['convoy.bead_closed', { ...c, rigId: north, beadId: b0 }],
    ['convoy.bead_closed', { ...c, rigId: north, beadId: b1 }],
    ['convoy.landed', c],
    delivered(c),
    ['convoy.beads_added', c],
    ['convoy.reopened', c],
    ['convoy.beads_delivered', { ...c, rigId: north }],
    ['convoy.cancelled', c],
    ['escalation.raised', { escalationId: escalation.id, rigId: north }],
    delivered({ escalationId: escalation.id, rigId: north }),
    ['escalation.acknowledged', { escalationId: escalation.id }],
    ['watchdog.failing', { rigId: south, escalationId: null }],
    ['escalation.raised', { escalationId: outage.id, rigId: south }],
    ['watchdog.escalated', { rigId: south, escalationId: outage.id }],
    delivered({ escalationId: outage.id, rigId: south }),
    ['watchdog.recovered', { rigId: south, escalationId: outage.id }],
    // The recovery resolves the outage's escalation, which tells the Mayor (who was told of it) too.
    ['escalation.resolved', { escalationId: outage.id, rigId: south }],
    delivered({ escalationId: outage.id, rigId: south }),
    delivered({ escalationId: outage.id, rigId: south }),
    ['rig.removed', { rigId: south }],
  ];
}

/** The rigs' registrations that open every flow town's log. */
export const registrations = (town: { north: string; south: string }): ExpectedEvent[] => [
  ['rig.registered', { rigId: town.north }],
  ['rig.registered', { rigId: town.south }],
];

/** Events reduced to what the expectations name, for an exact comparison. */
export const shapeOf = (events: readonly TownEvent[], expected: readonly ExpectedEvent[]) =>
  events.map((e, i) => {
    const keys = Object.keys(expected[i]?.[1] ?? {}) as (keyof ExpectedEvent[1])[];
    return [e.type, Object.fromEntries(keys.map((k) => [k, e[k]]))];
  });
