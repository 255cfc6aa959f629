import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

/** Every row of every table of a town's database, in a stable order: for "nothing was written" checks. */
export function dumpTown(townId: string): Promise<Record<string, unknown[]>> {
  const stub = env.TOWN.get(env.TOWN.idFromName(townId));
  return runInDurableObject(stub, (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' order by name")
      .toArray();
    return Object.fromEntries(tables.map(({ name }) => [name, state.storage.sql.exec(`select * from "${name}" order by 1`).toArray()]));
  });
}
