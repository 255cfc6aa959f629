import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { client, newTownId, quietConsole } from './helpers';
import { type Fixture, LIMITS, type Row, x } from './limits-table';

// The "Limits" table of docs/guarantees.md, row by row, from literal numbers: the largest allowed value passes the schema, one
// more (and the empty or malformed one) is refused with BAD_REQUEST naming the field. Loosening or
// tightening a limit fails here; the generated suite (generated-input.test.ts) cannot notice, since it
// reads the limits from the live schemas. A new limit is one more row. Calls go over HTTP as a
// client's would (raw JSON, so values the typed client would reject still reach the server).

const api = client();

interface TrpcAnswer {
  status: number;
  error?: { message: string; data: { code: string; zodError: unknown } };
}

async function call(path: string, kind: Row['kind'], input: unknown, body = JSON.stringify(input)): Promise<TrpcAnswer> {
  const query = kind === 'query';
  const url = `http://town.test/trpc/${path}${query ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`;
  const headers = { authorization: 'Bearer dev-token', 'content-type': 'application/json' };
  const res = await exports.default.fetch(new Request(url, { method: query ? 'GET' : 'POST', headers, body: query ? undefined : body }));
  const json = (await res.json()) as { error?: TrpcAnswer['error'] };
  return { status: res.status, error: json.error };
}

const describeValue = (v: unknown) =>
  typeof v === 'string'
    ? `${v.length} chars${v.trim() === v ? '' : ' (padded)'}${/^[x]*$/.test(v) ? '' : ` "${v.slice(0, 12)}"`}`
    : String(v);
const cases = (pick: 'ok' | 'refused') =>
  LIMITS.flatMap((row) =>
    row[pick].map((value) => [`${row.limit}: ${row.path} ${row.field} = ${describeValue(value)}`, row, value] as const),
  );

let fixture: Fixture;

beforeAll(async () => {
  const townId = newTownId('limits');
  const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
  const convoy = await api.convoy.create.mutate({ townId, title: 'c', beads: [{ rigId: rig.id, title: 'b' }] });
  const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'low', message: 'm' });
  fixture = { townId, rigId: rig.id, convoyId: convoy.id, beadId: convoy.beadIds[0] ?? '', escalationId: escalation.id };
});
beforeEach(() => quietConsole('log', 'warn', 'error'));

describe('documented limits (docs/guarantees.md, "Limits")', () => {
  it.each(cases('ok'))('allows %s', async (_name, row, value) => {
    const { error } = await call(row.path, row.kind, row.input(fixture, value));
    // Anything but the schema's refusal: the value may still name nothing (NOT_FOUND) or be a bad cursor.
    expect(error?.data.zodError ? error.message : null).toBeNull();
  });

  it.each(cases('refused'))('refuses %s', async (_name, row, value) => {
    const { status, error } = await call(row.path, row.kind, row.input(fixture, value));
    expect(status).toBe(400);
    expect(error?.data.code).toBe('BAD_REQUEST');
    expect(error?.data.zodError, 'refused by the schema, not later (e.g. as a cursor that decodes to nothing)').toBeTruthy();
    expect(error?.message).toContain(`${row.field}:`);
  });

  it('request body: 4 MiB (4,194,304 bytes) is parsed; one byte more is 413', async () => {
    const sized = (bytes: number) => {
      const head = JSON.stringify({ townId: fixture.townId, name: 'a', pad: '' });
      return `${head.slice(0, -2)}${x(bytes - head.length)}"}`;
    };
    expect(sized(4_194_304)).toHaveLength(4_194_304);
    expect((await call('rig.register', 'mutation', null, sized(4_194_304))).status).toBe(400); // parsed: `pad` is refused
    expect((await call('rig.register', 'mutation', null, sized(4_194_305))).status).toBe(413);
  });

  it('watchdog history: 50 checks kept per target', async () => {
    const townId = newTownId('limits-history');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    for (let i = 0; i < 51; i++) await api.watchdog.heartbeat.mutate({ townId });
    expect((await api.watchdog.history.query({ townId, target: rig.id, limit: 500 })).checks).toHaveLength(50);
  });
});
