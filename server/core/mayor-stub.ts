/** The MayorDO of `townId` (typed through `Env`, so callers never import the class). */
export function mayorStub(env: Env, townId: string) {
  return env.MAYOR.get(env.MAYOR.idFromName(townId));
}
