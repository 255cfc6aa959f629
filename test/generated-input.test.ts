import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { client, newTownId } from './helpers';
import { errorOf, procedures, rawCall } from './router-procedures';
import { dumpTown } from './town-dump';
import { badCases, type Hints, sample } from './zod-cases';

// For every procedure and every input field: generated bad values must give BAD_REQUEST naming the
// field, never a 500, and leave the town's tables exactly as they were.

const townId = newTownId('generated');
// A watcher takes a webhook URL or an email, not both: the sample gives the URL.
const hints: Hints = { townId: () => townId, email: () => undefined };

describe('generated bad input, every procedure', () => {
  it('finds the procedures, each with a validated input', () => {
    expect(procedures.length).toBeGreaterThan(3);
    for (const p of procedures) expect(p.inputs.length, `${p.path} has no input validation`).toBeGreaterThan(0);
  });

  for (const p of procedures) {
    it(`${p.path}: every bad field → BAD_REQUEST naming it, nothing written`, async () => {
      await client().rig.register.mutate({ townId, name: `seed-${p.path.replace(/\W/g, '-')}` });
      const schema = p.inputs[0];
      if (!schema) throw new Error(`${p.path} has no input`);
      const valid = sample(schema, [], hints);
      expect(schema['~standard'].validate(valid), `generated sample for ${p.path} must be valid`).toMatchObject({ value: valid });
      const before = await dumpTown(townId);
      const cases = badCases(schema, valid);
      expect(cases.length).toBeGreaterThan(2);
      for (const c of cases) {
        const { status, body } = await errorOf(await rawCall(p, c.input));
        const what = `${p.path} with ${c.field} ${c.label}`;
        expect(status, what).toBe(400);
        expect(body.error.data.code, what).toBe('BAD_REQUEST');
        expect(body.error.message, what).toContain(c.field);
        expect(body.error.data.stack, what).toBeUndefined();
      }
      expect(await dumpTown(townId)).toEqual(before);
    });

    it(`${p.path}: malformed JSON → 400, never a 500`, async () => {
      const get = p.type !== 'mutation';
      const url = get ? `http://town.test/trpc/${p.path}?input=%7B%22townId%22%3A` : `http://town.test/trpc/${p.path}`;
      const res = await exports.default.fetch(
        new Request(url, {
          method: get ? 'GET' : 'POST',
          headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
          ...(get ? {} : { body: '{"townId": ' }),
        }),
      );
      const { status, body } = await errorOf(res);
      expect(status).toBe(400);
      // tRPC v11 reports unparsable input as BAD_REQUEST.
      expect(body.error.data.code).toBe('BAD_REQUEST');
    });

    it(`${p.path}: the wrong HTTP method → 405 METHOD_NOT_SUPPORTED`, async () => {
      const { status, body } = await errorOf(await rawCall(p, { townId }, { method: p.type === 'mutation' ? 'GET' : 'POST' }));
      expect(status).toBe(405);
      expect(body.error.data.code).toBe('METHOD_NOT_SUPPORTED');
    });
  }
});
