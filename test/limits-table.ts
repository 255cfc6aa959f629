// The rows of the "Limits" table of docs/guarantees.md as literal numbers (test/limits.test.ts runs them).

export const x = (n: number) => 'x'.repeat(n);
const id = (n: number) => 'i'.repeat(n);

export interface Fixture {
  townId: string;
  rigId: string;
  convoyId: string;
  beadId: string;
  escalationId: string;
}

export interface Row {
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

export const LIMITS: Row[] = [
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
  {
    limit: 'settings `costUnit` 1–16 chars of [a-z0-9_-]',
    path: 'town.setSettings',
    kind: 'mutation',
    field: 'costUnit',
    input: (f, v) => ({ ...T(f), costUnit: v }),
    ok: ['usd', 'a', 'credits_k-2', x(16)],
    refused: [x(17), '', 'USD', 'us d', 'eur€'],
  },
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
