import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { client, expectTrpcError, newTownId } from '../helpers';

const api = client();

describe('rig registry', () => {
  it('registers, lists, gets and removes rigs', async () => {
    const townId = newTownId();
    const alpha = await api.rig.register.mutate({ townId, name: 'alpha' });
    expect(alpha).toMatchObject({ name: 'alpha', id: expect.any(String), rigDoId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(new Date(alpha.createdAt).toISOString()).toBe(alpha.createdAt);
    // The rig's DO id is the one the RIG namespace gives for this town and rig.
    expect(alpha.rigDoId).toBe(env.RIG.idFromName(`${townId}/${alpha.id}`).toString());

    const beta = await api.rig.register.mutate({ townId, name: 'beta' });
    expect((await api.rig.list.query({ townId })).map((r) => r.name)).toEqual(['alpha', 'beta']);
    expect(await api.rig.get.query({ townId, rigId: beta.id })).toEqual(beta);

    expect(await api.rig.remove.mutate({ townId, rigId: alpha.id })).toEqual(alpha);
    expect(await api.rig.list.query({ townId })).toEqual([beta]);
    await expectTrpcError(api.rig.get.query({ townId, rigId: alpha.id }), 'NOT_FOUND');
  });

  it('rejects a duplicate name with CONFLICT and keeps the first', async () => {
    const townId = newTownId();
    const first = await api.rig.register.mutate({ townId, name: 'alpha' });
    await expectTrpcError(api.rig.register.mutate({ townId, name: 'alpha' }), 'CONFLICT', /alpha/);
    expect(await api.rig.list.query({ townId })).toEqual([first]);
  });

  it('answers NOT_FOUND for unknown rig ids', async () => {
    const townId = newTownId();
    await expectTrpcError(api.rig.get.query({ townId, rigId: 'nope' }), 'NOT_FOUND', /nope/);
    await expectTrpcError(api.rig.remove.mutate({ townId, rigId: 'nope' }), 'NOT_FOUND');
  });

  it('keeps towns apart', async () => {
    const [a, b] = [newTownId('a'), newTownId('b')];
    const rig = await api.rig.register.mutate({ townId: a, name: 'shared-name' });
    expect(await api.rig.list.query({ townId: b })).toEqual([]);
    await expectTrpcError(api.rig.get.query({ townId: b, rigId: rig.id }), 'NOT_FOUND');
    // The same name is free in another town.
    await api.rig.register.mutate({ townId: b, name: 'shared-name' });
    expect(await api.rig.list.query({ townId: a })).toEqual([rig]);
  });

  it('keeps its data across eviction of the TownDO', async () => {
    const townId = newTownId();
    const rig = await api.rig.register.mutate({ townId, name: 'durable' });
    await evictDurableObject(env.TOWN.get(env.TOWN.idFromName(townId)));
    expect(await api.rig.list.query({ townId })).toEqual([rig]);
  });

  it('refuses to remove a rig that holds open beads of an active convoy, and allows it once they close', async () => {
    const townId = newTownId();
    const rig = await api.rig.register.mutate({ townId, name: 'busy' });
    const convoy = await api.convoy.create.mutate({ townId, title: 'c', beads: [{ rigId: rig.id, title: 'b' }] });
    await expectTrpcError(api.rig.remove.mutate({ townId, rigId: rig.id }), 'CONFLICT', new RegExp(convoy.id));
    expect(await api.rig.list.query({ townId })).toEqual([rig]);
    await api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: convoy.beadIds[0] as string });
    expect(await api.rig.remove.mutate({ townId, rigId: rig.id })).toEqual(rig);
  });
});
