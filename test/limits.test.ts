import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { client, newTownId, quietConsole } from './helpers';

// The "Limits" table of docs/guarantees.md, row by row, from literal numbers: the largest allowed value passes the schema, one
// more (and the empty or malformed one) is refused with BAD_REQUEST naming the field. Loosening or
// tightening a limit fails here; the generated suite (generated-input.test.ts) cannot notice, since it
// reads the limits from the live schemas. A new limit is one more row. Calls go over HTTP as a
// client's would (raw JSON, so values the typed client would reject still reach the server).

const api = client();
const x = (n: number) => 'x'.repeat(n);
const id = (n: number) => 'i'.repeat(n);

interface Fixture {
  townId: string;
  rigId: string;
  convoyId: string;
  beadId: string;
  escalationId: string;
}

interface Row {
  /** The row of the "Limits" table (docs/guarantees.md) it proves. */
  limit: string;
  path: string;
  kind: 'query' | 'mutation';
  /** The field as the error message names it. */
  field: string;
  input: (f: Fixture, value: unknown) => Record<string, unknown>;
  ok: unknown[];
  refused: unknown[];
}

const bead = (f: Fixture, extra: Record<string, unknown> = {}) => ({ rigId: f.rigId, title: 'b', ...extra });
const beads = (f: Fixture, n: number) => Array.from({ length: n }, (_, i) => bead(f, { title: `b${i}` }));
const idRow = (field: string, path: string, kind: Row['kind'], input: Row['input']): Row => ({
  limit: 'ids: 1–128 chars',
  path,
  kind,
  field,
  input,
  ok: [id(128), id(1)],
  refused: [id(129), ''],
});
const listRow = (path: string, input: (f: Fixture) => Record<string, unknown>): Row[] => [
  {
    limit: 'list `limit` 1–200',
    path,
    kind: 'query',
    field: 'limit',
    input: (f, v) => ({ ...input(f), limit: v }),
    ok: [200, 1],
    refused: [201, 0],
  },
  {
    limit: 'list `cursor` ≤ 512 chars',
    path,
    kind: 'query',
    field: 'cursor',
    input: (f, v) => ({ ...input(f), cursor: v }),
    ok: [x(512)],
    refused: [x(513)],
  },
];
let rigNames = 0;

const kindOf = (path: string): Row['kind'] => (/\.(get|list|beads|history)$/.test(path) ? 'query' : 'mutation');
/** A string of 1–`max` chars (0–`max` with `empty`); a `trimmed` one also allows padding beyond `max` and refuses blanks. */
const chars = (
  limit: string,
  path: string,
  field: string,
  input: Row['input'],
  max: number,
  { trimmed = false, empty = false } = {},
): Row => ({
  limit,
  path,
  kind: kindOf(path),
  field,
  input,
  ok: [x(max), ...(trimmed ? [` ${x(max)} `] : [])],
  refused: [x(max + 1), ...(empty ? [] : ['']), ...(trimmed ? ['   '] : [])],
});
const range = (limit: string, path: string, field: string, input: Row['input'], min: number, max: number): Row => ({
  limit,
  path,
  kind: kindOf(path),
  field,
  input,
  ok: [max, min],
  refused: [max + 1, min - 1],
});
const T = (f: Fixture) => ({ townId: f.townId });
const create = (f: Fixture) => ({ ...T(f), title: 't', beads: [bead(f)] });
const raise = (f: Fixture) => ({ ...T(f), sourceRigId: f.rigId, severity: 'low', message: 'm' });
const add = (f: Fixture) => ({ ...T(f), convoyId: f.convoyId, beads: [bead(f)] });
const claim = (f: Fixture) => ({ ...T(f), rigId: f.rigId, agentId: 'agent' });
const held = (f: Fixture) => ({ ...claim(f), beadId: f.beadId });
const settings = (field: string, min: number, max: number) =>
  range(
    `settings \`${field}\` ${min}–${max.toLocaleString('en')}`,
    'town.setSettings',
    field,
    (f, v) => ({ ...T(f), [field]: v }),
    min,
    max,
  );

const LIMITS: Row[] = [
  {
    limit: '`townId` 1–128 chars of [A-Za-z0-9_-]',
    path: 'rig.list',
    kind: 'query',
    field: 'townId',
    input: (_f, v) => ({ townId: v }),
    ok: ['T'.repeat(128), 'a-_Z9'],
    refused: ['T'.repeat(129), '', 'a.b', 'a b'],
  },
  idRow('rigId', 'rig.get', 'query', (f, v) => ({ ...T(f), rigId: v })),
  idRow('convoyId', 'convoy.get', 'query', (f, v) => ({ ...T(f), convoyId: v })),
  idRow('beadId', 'convoy.beadClosed', 'mutation', (f, v) => ({ ...T(f), convoyId: f.convoyId, beadId: v })),
  idRow('escalationId', 'escalation.get', 'query', (f, v) => ({ ...T(f), escalationId: v })),
  idRow('mailId', 'mayor.mail.markRead', 'mutation', (f, v) => ({ ...T(f), mailId: v })),
  idRow('sourceRigId', 'escalation.raise', 'mutation', (f, v) => ({ ...raise(f), sourceRigId: v })),
  idRow('sourceAgentId', 'escalation.raise', 'mutation', (f, v) => ({ ...raise(f), sourceAgentId: v })),
  idRow('target', 'watchdog.history', 'query', (f, v) => ({ ...T(f), target: v })),
  {
    limit: 'rig `name` 1–64 chars of [A-Za-z0-9._-], starting with a letter or digit',
    path: 'rig.register',
    kind: 'mutation',
    field: 'name',
    // Names are unique in the town: each accepted value gets its own prefix, keeping its length.
    input: (f, v) => ({ ...T(f), name: typeof v === 'string' && /^[A-Za-z0-9]/.test(v) ? `${++rigNames}${v}`.slice(0, v.length) : v }),
    ok: [x(64), 'a', '9a._-'],
    refused: [x(65), '', '.a', '-a', 'a/b'],
  },
  chars('convoy `title` 1–200 chars (trimmed)', 'convoy.create', 'title', (f, v) => ({ ...create(f), title: v }), 200, { trimmed: true }),
  chars(
    'bead `title` 1–200 chars (trimmed)',
    'convoy.create',
    'beads.0.title',
    (f, v) => ({ ...create(f), beads: [bead(f, { title: v })] }),
    200,
    {
      trimmed: true,
    },
  ),
  chars(
    'bead `body` ≤ 10,000 chars',
    'convoy.create',
    'beads.0.body',
    (f, v) => ({ ...create(f), beads: [bead(f, { body: v })] }),
    10_000,
    {
      empty: true,
    },
  ),
  range(
    'beads per `convoy.create` 1–10,000',
    'convoy.create',
    'beads',
    (f, v) => ({ ...create(f), beads: beads(f, v as number) }),
    1,
    10_000,
  ),
  range(
    'beads per `convoy.addBeads` 1–10,000',
    'convoy.addBeads',
    'beads',
    (f, v) => ({ ...add(f), beads: beads(f, v as number) }),
    1,
    10_000,
  ),
  chars('`createdBy` 1–128 chars', 'convoy.create', 'createdBy', (f, v) => ({ ...create(f), createdBy: v }), 128),
  chars('`idempotencyKey` 1–128 chars', 'convoy.create', 'idempotencyKey', (f, v) => ({ ...create(f), idempotencyKey: v }), 128),
  chars('`idempotencyKey` 1–128 chars', 'convoy.addBeads', 'idempotencyKey', (f, v) => ({ ...add(f), idempotencyKey: v }), 128),
  chars('`idempotencyKey` 1–128 chars', 'escalation.raise', 'idempotencyKey', (f, v) => ({ ...raise(f), idempotencyKey: v }), 128),
  chars('acknowledge `by` 1–128 chars', 'escalation.acknowledge', 'by', (f, v) => ({ ...T(f), escalationId: f.escalationId, by: v }), 128),
  chars('escalation `message` 1–8,000 chars (trimmed)', 'escalation.raise', 'message', (f, v) => ({ ...raise(f), message: v }), 8_000, {
    trimmed: true,
  }),
  chars('escalation `category` 1–64 chars', 'escalation.raise', 'category', (f, v) => ({ ...raise(f), category: v }), 64),
  ...listRow('convoy.list', T),
  ...listRow('escalation.list', T),
  ...listRow('mayor.mail.list', T),
  ...listRow('rig.beads', (f) => ({ ...T(f), rigId: f.rigId })),
  chars('pause `reason` 1–500 chars (trimmed)', 'convoy.pause', 'reason', (f, v) => ({ ...T(f), convoyId: 'none', reason: v }), 500, {
    trimmed: true,
  }),
  // Another town: a pause that passes the schema must not stop the fixture's town.
  chars('pause `reason` 1–500 chars (trimmed)', 'town.pause', 'reason', (f, v) => ({ townId: `${f.townId}-paused`, reason: v }), 500, {
    trimmed: true,
  }),
  chars('`reportId` 1–128 chars', 'rig.reportCost', 'reportId', (f, v) => ({ ...held(f), cost: 0, reportId: v }), 128),
  chars('`agentId` 1–128 chars', 'rig.claimBead', 'agentId', (f, v) => ({ ...claim(f), agentId: v }), 128),
  chars('`agentId` 1–128 chars', 'rig.renewLease', 'agentId', (f, v) => ({ ...held(f), agentId: v }), 128),
  chars('`agentId` 1–128 chars', 'rig.releaseBead', 'agentId', (f, v) => ({ ...held(f), agentId: v }), 128),
  range('`leaseSeconds` 30–3,600', 'rig.claimBead', 'leaseSeconds', (f, v) => ({ ...claim(f), leaseSeconds: v }), 30, 3_600),
  range('`leaseSeconds` 30–3,600', 'rig.renewLease', 'leaseSeconds', (f, v) => ({ ...held(f), leaseSeconds: v }), 30, 3_600),
  chars(
    'close `reason` ≤ 1,000 chars',
    'rig.closeBead',
    'reason',
    (f, v) => ({ ...T(f), rigId: f.rigId, beadId: 'none', reason: v }),
    1_000,
    {
      empty: true,
    },
  ),
  chars('close `ref` 1–512 chars', 'rig.closeBead', 'ref', (f, v) => ({ ...T(f), rigId: f.rigId, beadId: 'none', ref: v }), 512),
  range('convoy `maxAttempts` 1–10', 'convoy.create', 'maxAttempts', (f, v) => ({ ...create(f), maxAttempts: v }), 1, 10),
  settings('breakerFailures', 1, 100),
  settings('breakerWindowMinutes', 1, 1_440),
  settings('breakerCooldownMinutes', 1, 240),
  settings('strandedAfterMinutes', 1, 10_080),
  settings('agingMinutes', 1, 10_080),
  range('convoy `priority` 0–4', 'convoy.create', 'priority', (f, v) => ({ ...create(f), priority: v }), 0, 4),
  range('convoy `priority` 0–4', 'convoy.setPriority', 'priority', (f, v) => ({ ...T(f), convoyId: f.convoyId, priority: v }), 0, 4),
  range('`watchdog.history` `limit` 1–500', 'watchdog.history', 'limit', (f, v) => ({ ...T(f), limit: v }), 1, 500),
  {
    limit: 'routing `webhookUrl` ≤ 2,048 chars',
    path: 'escalation.setRouting',
    kind: 'mutation',
    field: 'webhookUrl',
    input: (f, v) => ({ ...T(f), webhookUrl: v }),
    ok: [`http://127.0.0.1/${x(2_048 - 17)}`],
    refused: [`http://127.0.0.1/${x(2_049 - 17)}`],
  },
  {
    limit: 'routing `emailTo` ≤ 254 chars',
    path: 'escalation.setRouting',
    kind: 'mutation',
    field: 'emailTo',
    input: (f, v) => ({ ...T(f), emailTo: v }),
    ok: [`${x(64)}@${x(63)}.${x(63)}.${x(58)}.io`],
    refused: [`${x(64)}@${x(63)}.${x(63)}.${x(59)}.io`],
  },
  range(
    'routing `staleAfterMinutes` 1–10,080',
    'escalation.setRouting',
    'staleAfterMinutes',
    (f, v) => ({ ...T(f), staleAfterMinutes: v }),
    1,
    10_080,
  ),
  range(
    'routing `maxReEscalations` 0–10',
    'escalation.setRouting',
    'maxReEscalations',
    (f, v) => ({ ...T(f), maxReEscalations: v }),
    0,
    10,
  ),
];

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
