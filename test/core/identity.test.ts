import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it } from 'vitest';
import * as rigSchema from '../../schema/rig';
import { learnIdentity } from '../../server/core/identity';
import { mayorStub } from '../../server/core/mayor-stub';
import { rigIdentityRow } from '../../server/rigs/beads';
import { rigStub } from '../../server/rigs/stub';
import { newTownId, quietConsole, townStub } from '../helpers';

quietConsole('log');

/** The one identity row of a DO, read straight from its SQLite. */
const rowOf = (stub: DurableObjectStub, sql: string) =>
  runInDurableObject(stub, (_instance, state) => state.storage.sql.exec(sql).toArray());

/** An id as an alarm after a restart may hand a DO: no name. */
const namelessId = { name: undefined, toString: () => 'nameless', equals: () => false } as unknown as DurableObjectId;

describe('one way a DO learns its town: its name, kept in its own row', () => {
  it('a TownDO, a RigDO and a MayorDO keep whom they serve on their first wake, before any call writes', async () => {
    const townId = newTownId('ident');
    expect(await rowOf(townStub(townId), 'select id from town')).toEqual([{ id: townId }]);
    expect(await rowOf(rigStub(env, townId, 'r1'), 'select town_id, rig_id from rig')).toEqual([{ town_id: townId, rig_id: 'r1' }]);
    expect(await rowOf(mayorStub(env, townId), 'select town_id from mayor')).toEqual([{ town_id: townId }]);
  });

  it('woken without its name, a rig knows its town and itself from the kept row', async () => {
    const townId = newTownId('ident');
    await runInDurableObject(rigStub(env, townId, 'r2'), (_instance, state) => {
      const row = rigIdentityRow({ db: drizzle(state.storage, { schema: rigSchema }) });
      expect(learnIdentity(namelessId, row, new Date())).toEqual({ townId, rigId: 'r2' });
    });
  });

  it('a rig row kept before rigs remembered their id gets it on the next named wake', async () => {
    const townId = newTownId('ident');
    const stub = rigStub(env, townId, 'r3');
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec('update rig set rig_id = null');
      const row = rigIdentityRow({ db: drizzle(state.storage, { schema: rigSchema }) });
      expect(learnIdentity(namelessId, row, new Date())).toEqual({ townId, rigId: null });
      expect(learnIdentity(state.id, row, new Date())).toEqual({ townId, rigId: 'r3' });
    });
    expect(await rowOf(stub, 'select rig_id from rig')).toEqual([{ rig_id: 'r3' }]);
  });

  it('a name that disagrees with the kept row is refused, and the row is left as it was', async () => {
    const townId = newTownId('ident');
    await runInDurableObject(rigStub(env, townId, 'r4'), (_instance, state) => {
      state.storage.sql.exec("update rig set town_id = 'another-town'");
      const row = rigIdentityRow({ db: drizzle(state.storage, { schema: rigSchema }) });
      expect(() => learnIdentity(state.id, row, new Date())).toThrow(/another-town/);
      expect(state.storage.sql.exec('select town_id, rig_id from rig').toArray()).toEqual([{ town_id: 'another-town', rig_id: 'r4' }]);
    });
  });

  it('a TownDO called for another town refuses and writes nothing', async () => {
    const townId = newTownId('ident');
    const other = newTownId('other');
    expect(await townStub(townId).registerRig(other, { name: 'r' })).toEqual({
      ok: false,
      code: 'FORBIDDEN',
      message: `the DO of ${townId} was called for ${other}`,
    });
    expect(await rowOf(townStub(townId), 'select id from town')).toEqual([{ id: townId }]);
    expect(await rowOf(townStub(townId), 'select count(*) as n from rigs')).toEqual([{ n: 0 }]);
  });
});
