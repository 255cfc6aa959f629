import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, newTownId, quietConsole } from '../../helpers';
import { outboxOf, outboxRows } from '../../town-helpers';
import { setRigHealth } from '../watchdog-helpers';

// Inhibition and auto-resolve, with a Town Container that can fail (this project's fake one).

interface FakeTownContainer {
  setMode(mode: 'healthy' | 'unhealthy'): Promise<void>;
}

const api = client();
const fake = (townId: string) => env.TOWN_CONTAINER.get(env.TOWN_CONTAINER.idFromName(townId)) as unknown as FakeTownContainer;

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => vi.restoreAllMocks());

describe('watchdog escalations: dedup, inhibition and auto-resolve', () => {
  it('while the container outage is open, rig outages notify nobody; both resolve on recovery', async () => {
    const townId = newTownId('inhibit');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    await fake(townId).setMode('unhealthy');
    await setRigHealth(rig.rigDoId, 'throw');
    for (let i = 0; i < 4; i += 1) await api.watchdog.heartbeat.mutate({ townId });

    const all = (await api.escalation.list.query({ townId })).items;
    const container = all.find((e) => e.sourceRigId === 'town-container');
    const rigOutage = all.find((e) => e.sourceRigId === rig.id);
    expect(all).toHaveLength(2);
    // One escalation per outage however many heartbeats saw it (the threshold is 2: checks 2, 3, 4).
    expect(container).toMatchObject({ severity: 'critical', dedupKey: 'watchdog:town-container', occurrences: 3, inhibitedBy: null });
    expect(rigOutage).toMatchObject({ severity: 'high', dedupKey: `watchdog:${rig.id}`, occurrences: 3, inhibitedBy: container?.id });
    const told = await outboxRows(townId);
    expect(told).toEqual(await outboxOf(townId, container?.id ?? '')); // the container's critical one only
    expect(told).toHaveLength(1);

    // The rig recovers first: its escalation resolves, told to nobody as nobody was told of it.
    await setRigHealth(rig.rigDoId, 'heal');
    await api.watchdog.heartbeat.mutate({ townId });
    expect(await api.escalation.get.query({ townId, escalationId: rigOutage?.id ?? '' })).toMatchObject({
      status: 'resolved',
      resolvedBy: 'watchdog',
    });
    await fake(townId).setMode('healthy');
    await api.watchdog.heartbeat.mutate({ townId });
    expect(await api.escalation.get.query({ townId, escalationId: container?.id ?? '' })).toMatchObject({
      status: 'resolved',
      resolvedBy: 'watchdog',
    });
    const types = (await outboxOf(townId, container?.id ?? '')).map((r) => r.type);
    expect(types.sort()).toEqual(['escalation.raised', 'escalation.resolved']);
    // The rig's recovery tells nobody: nobody was told of its outage.
    const recoveries = (await outboxRows(townId)).filter((r) => r.type === 'watchdog.recovered');
    expect(recoveries.map((r) => (r.payload.data as { target: string }).target)).toEqual(['town-container']);
  });

  it('a rig outage still open when the container recovers is told then', async () => {
    const townId = newTownId('inhibit');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    await fake(townId).setMode('unhealthy');
    await setRigHealth(rig.rigDoId, 'throw');
    for (let i = 0; i < 2; i += 1) await api.watchdog.heartbeat.mutate({ townId });
    await fake(townId).setMode('healthy');
    await api.watchdog.heartbeat.mutate({ townId });
    const rigOutage = (await api.escalation.list.query({ townId })).items.find((e) => e.sourceRigId === rig.id);
    expect(rigOutage).toMatchObject({ status: 'open', inhibitedBy: null });
    expect((await outboxOf(townId, rigOutage?.id ?? '')).map((r) => [r.type, r.channel])).toEqual([['escalation.resumed', 'mayor']]);
  });
});
