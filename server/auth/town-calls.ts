import { type Outcome, unwrap } from '../core/errors';
import { townStub } from '../core/town-stub';
import type { TownCall } from './access';

// How a procedure calls its town: `ctx.town(townId).createConvoy(input)` is the TownDO's
// `createConvoy(caller, input)` with the caller's token passed for the revocation check inside the
// call, and its Outcome turned into the answer or a TRPCError of the same code.

type TownStub = ReturnType<typeof townStub>;
type Answer<R> = R extends { ok: true; value: infer V } ? V : never;

/** The TownDO's methods that take a caller, as a procedure calls them. */
export type TownCalls = {
  [K in keyof TownStub as TownStub[K] extends (call: TownCall, ...args: never[]) => unknown ? K : never]: TownStub[K] extends (
    call: TownCall,
    ...args: infer A
  ) => Promise<infer R>
    ? (...args: A) => Promise<Answer<R>>
    : never;
};

type AnyTownMethod = (call: TownCall, ...args: unknown[]) => Promise<Outcome<unknown>>;

export function townCalls(env: Env, townId: string, caller: TownCall): TownCalls {
  const stub = townStub(env, townId) as unknown as Record<string, AnyTownMethod>;
  return new Proxy({} as TownCalls, {
    // Not a thenable: `then` stays undefined, so the proxy itself is never awaited by mistake.
    get: (_target, method) =>
      typeof method !== 'string' || method === 'then'
        ? undefined
        : async (...args: unknown[]) => unwrap(await (stub[method] as AnyTownMethod)(caller, ...args)),
  });
}
