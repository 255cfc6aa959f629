/** The TownDO serving `townId`. */
export function townStub(env: Env, townId: string) {
  return env.TOWN.get(env.TOWN.idFromName(townId));
}
