import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

type Dump = Record<string, unknown[]>;

/** Every row of every table of one DO's database, in a stable order, keyed `<prefix><table>`. */
function dumpDo(stub: DurableObjectStub<Rpc.DurableObjectBranded>, prefix = ''): Promise<Dump> {
  return runInDurableObject(stub, (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' order by name")
      .toArray();
    return Object.fromEntries(
      tables.map(({ name }) => [`${prefix}${name}`, state.storage.sql.exec(`select * from "${name}" order by 1`).toArray()]),
    );
  });
}

/**
 * Every row of every table a town owns, for "nothing was written" checks: the TownDO's and the
 * Mayor's databases, and with `rigs: true` each registered rig's RigDO too (`rig:<rigId>.<table>`).
 */
export async function dumpTown(townId: string, options: { rigs?: boolean } = {}): Promise<Dump> {
  const town = await dumpDo(env.TOWN.get(env.TOWN.idFromName(townId)));
  const mayor = await dumpDo(env.MAYOR.get(env.MAYOR.idFromName(townId)), 'mayor.');
  const rigs: Dump[] = [];
  if (options.rigs) {
    for (const { id } of (town.rigs ?? []) as { id: string }[]) {
      rigs.push(await dumpDo(env.RIG.get(env.RIG.idFromName(`${townId}/${id}`)), `rig:${id}.`));
    }
  }
  return Object.assign(town, mayor, ...rigs);
}
