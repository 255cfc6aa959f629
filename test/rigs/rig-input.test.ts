import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../server/worker';
import { expectEscape } from '../escaped-errors';
import { client, expectTrpcError, newTownId } from '../helpers';
import { dumpTown } from '../town-dump';

const api = client();

// Deliberately malformed inputs, sent as-is past the client's types.
const loose = <T>(v: unknown) => v as T;

describe('rig input validation', () => {
  it('rejects malformed inputs with BAD_REQUEST naming the field, and writes nothing', async () => {
    const townId = newTownId();
    await api.rig.register.mutate({ townId, name: 'existing' });
    const before = await dumpTown(townId);
    const cases: [unknown, RegExp][] = [
      [{ townId, name: '' }, /name/],
      [{ townId, name: 'x'.repeat(65) }, /name/],
      [{ townId, name: 'has space' }, /name/],
      [{ townId, name: 42 }, /name/],
      [{ townId }, /name/],
      [{ townId, name: 'ok', extra: 'junk' }, /extra|Unrecognized/],
      [{ townId: 'bad town!', name: 'ok' }, /townId/],
      [{ townId: '', name: 'ok' }, /townId/],
      [{ townId: 't'.repeat(129), name: 'ok' }, /townId/],
      [{ name: 'ok' }, /townId/],
    ];
    for (const [input, field] of cases) {
      await expectTrpcError(api.rig.register.mutate(loose(input)), 'BAD_REQUEST', field);
    }
    await expectTrpcError(api.rig.get.query(loose({ townId, rigId: '' })), 'BAD_REQUEST', /rigId/);
    await expectTrpcError(api.rig.get.query(loose({ townId })), 'BAD_REQUEST', /rigId/);
    await expectTrpcError(api.rig.remove.mutate(loose({ townId, rigId: 7 })), 'BAD_REQUEST', /rigId/);
    await expectTrpcError(api.rig.list.query(loose({ townId: ['x'] })), 'BAD_REQUEST', /townId/);
    expect(await dumpTown(townId)).toEqual(before);
  });

  it('answers a malformed JSON body with a 400, not a 500', async () => {
    const res = await exports.default.fetch(
      new Request('http://town.test/trpc/rig.register', {
        method: 'POST',
        headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
        body: '{"townId": ',
      }),
    );
    expect(res.status).toBe(400);
    // tRPC v11 reports an unparsable body as BAD_REQUEST.
    const body = (await res.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/JSON|parse/i);
  });

  it('refuses to serve when deployed without TOWN_API_TOKEN, rather than defaulting', async () => {
    const { TOWN_API_TOKEN: _dropped, ...rest } = (await import('cloudflare:workers')).env;
    const deployed = { ...rest, ENVIRONMENT: 'production' } as Env;
    const res = await worker.fetch(
      new Request(`http://town.test/trpc/rig.list?input=${encodeURIComponent(JSON.stringify({ townId: 'x' }))}`, {
        headers: { authorization: 'Bearer dev-token' },
      }),
      deployed,
    );
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; data: { stack?: string } } };
    expect(body.error.message).toMatch(/TOWN_API_TOKEN is not configured/);
    expect(body.error.data.stack).toBeUndefined();
  });

  it('answers an unexpected failure with a generic 500 and logs the real error, without the SQL', async () => {
    const townId = newTownId();
    await api.rig.list.query({ townId });
    await runInDurableObject(env.TOWN.get(env.TOWN.idFromName(townId)), (_i, state) => {
      state.storage.sql.exec('alter table rigs rename to rigs_lost');
    });
    expectEscape(/no such table: rigs/); // the fault: an error the TownDO does not expect
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await exports.default.fetch(
      new Request(`http://town.test/trpc/rig.list?input=${encodeURIComponent(JSON.stringify({ townId }))}`, {
        headers: { authorization: 'Bearer dev-token' },
      }),
    );
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; data: { code: string; stack?: string } } };
    expect(body.error).toMatchObject({ message: 'internal error', data: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(body)).not.toMatch(/rigs|select/i);
    const line = logged.mock.calls.map((c) => String(c[0])).find((l) => l.includes('"trpc.error"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'error', event: 'trpc.error', townId, path: 'rig.list' });
    expect(line).toMatch(/no such table: rigs/);
    logged.mockRestore();
  });
});
