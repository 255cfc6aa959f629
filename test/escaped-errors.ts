import { afterEach } from 'vitest';
import { MayorDO } from '../server/mayor/mayor-do';
import { RigDO } from '../server/rigs/rig-do';
import { TownDO } from '../server/town/town-do';

// Vitest setup file: an error that escapes a Durable Object method (an RPC method or `alarm()`) fails
// the test during which it escaped. The DOs answer with an `Outcome` instead of throwing, so an escaping
// error is a bug, which its caller may well swallow (a retry loop, the watchdog): workerd only logs it
// as "uncaught exception" and the run would pass. The tests' deliberate faults say "injected" in their
// message (breakMethod, throwOnce, setRigHealth) and are let through; a fault that cannot say so (a
// dropped table's SQL error) is declared by its test with `expectEscape`. JavaScript-level unhandled
// rejections need nothing here: Vitest reports them as errors and fails the run.
// The DOs run in the test isolate, so their classes here are the ones the runtime instantiates.

const DELIBERATE = /injected/;
const escaped: string[] = [];
let expected: RegExp[] = [];

/** Declares, for the current test only, that errors matching `pattern` escape a DO on purpose. */
export function expectEscape(pattern: RegExp): void {
  expected.push(pattern);
}

/** Takes what escaped so far in this test (for the guard's own test, test/escaped-errors.test.ts). */
export function takeEscaped(): string[] {
  return escaped.splice(0);
}

function record(cls: string, method: string, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  if (DELIBERATE.test(message) || expected.some((p) => p.test(message))) return;
  escaped.push(`${cls}.${method}: ${message}`);
}

/** Wraps each method of a DO class's prototype so that a throw or a rejection is recorded, then passed on. */
function watch(cls: { name: string; prototype: object }) {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const original = proto[name];
    if (name === 'constructor' || typeof original !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      try {
        const result: unknown = original.apply(this, args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            record(cls.name, name, error);
            throw error;
          });
        }
        return result;
      } catch (error) {
        record(cls.name, name, error);
        throw error;
      }
    };
  }
}

for (const cls of [TownDO, RigDO, MayorDO]) watch(cls);

afterEach(() => {
  expected = [];
  const found = escaped.splice(0);
  if (found.length > 0) throw new Error(`an error escaped a Durable Object method (none was injected):\n${found.join('\n')}`);
});
