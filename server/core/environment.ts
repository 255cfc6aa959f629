/** Local dev is opted into by `env.dev` in wrangler.jsonc; anything else is treated as deployed. */
export function isLocalDev(env: Pick<Env, 'ENVIRONMENT'>): boolean {
  return env.ENVIRONMENT === 'dev';
}
