import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { access } from '../../server/auth/access';
import { procedure, router, townInput } from '../../server/auth/trpc';
import { procedures } from '../router-procedures';

// "One place decides": every procedure declares its access in its tRPC meta, and the one middleware
// refuses a procedure that declares none. A procedure added without a declaration fails here.

const ROLES = new Set(['admin', 'town', 'rig']);

describe('every procedure declares who may call it', () => {
  it('covers the whole router', () => {
    expect(procedures.length).toBeGreaterThan(30);
  });

  for (const p of procedures) {
    it(`${p.path} declares its access (procedure.meta(access.…))`, () => {
      const declared = p.meta?.access as { role?: string } | undefined;
      expect(declared, `${p.path} has no .meta(access.…): add one (server/auth.ts)`).toBeDefined();
      expect(ROLES.has(declared?.role ?? '')).toBe(true);
    });
  }

  it('an undeclared procedure refuses everyone, the admin token too (fails closed)', async () => {
    const undeclared = router({ open: procedure.input(townInput).query(() => 'reached') });
    const declared = router({
      open: procedure
        .meta(access.town)
        .input(townInput)
        .query(() => 'reached'),
    });
    const req = new Request('http://town.test/trpc/open', { headers: { authorization: 'Bearer dev-token' } });
    const ctx = { env, req };
    await expect(undeclared.createCaller(ctx).open({ townId: 'x' })).rejects.toThrow('open declares no access');
    expect(await declared.createCaller(ctx).open({ townId: 'x' })).toBe('reached');
  });
});
