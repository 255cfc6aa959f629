import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FORBIDDEN_MESSAGE, UNAUTHORIZED_MESSAGE } from '../../server/auth/access';
import { client, newTownId, quietConsole } from '../helpers';
import { hookUrl } from '../receiver';
import { procedures } from '../router-procedures';
import { dumpTown } from '../town-dump';
import { settle } from '../town-helpers';
import { type Hints, sample } from '../zod-cases';
import { callAs, claimsOf, forgeToken, issueToken, tamperedSignature, unsignedToken } from './token-helpers';

// The access matrix, generated from the router: every procedure × every kind of caller → exactly the
// allowed answer, UNAUTHORIZED or FORBIDDEN, and nothing written on a refusal. What a rig token may do
// is written here from the issue (not read back from the procedures' own declarations), so a wrong
// declaration fails; a procedure not listed here must refuse rig tokens. A rig in none of the town's
// convoys reads none of them: NOT_FOUND, as for a convoy that does not exist (and nothing written).

/**
 * What a `rig` token may call: `own` only for its own rig (the inputs below name rig R1), `any` for any
 * rig of the town, `member` for a rig taking part in the convoy the input names (R1 and R2 do).
 */
const RIG_MAY: Record<string, 'own' | 'any' | 'member'> = {
  'rig.beads': 'own',
  'rig.closeBead': 'own',
  'rig.claimBead': 'own',
  'rig.renewLease': 'own',
  'rig.releaseBead': 'own',
  'rig.reportCost': 'own',
  'escalation.raise': 'own',
  'escalation.get': 'own', // escalations it raised
  'convoy.get': 'member',
  'convoy.list': 'any', // filtered to its convoys (test/auth/attack-rig-scope.test.ts)
  'convoy.beads': 'member',
  'convoy.timeline': 'member',
  'convoy.graph': 'member',
  'event.list': 'any', // narrowed to its rig and its convoys (test/auth/rig-scope.test.ts)
  'event.subscribe': 'any',
  'town.status': 'any', // the town's pause and spend: for agents to poll
};

type Caller =
  | 'no token'
  | 'admin'
  | 'town token of this town'
  | 'town token of another town'
  | 'rig token of this rig'
  | 'rig token of another rig'
  | 'rig token of a rig in no convoy'
  | 'rig token of another town'
  | 'expired'
  | 'revoked'
  | 'wrong signature'
  | 'alg: none'
  | 'signed with another key';

const api = client();
const A = newTownId('matrix-a');
const B = newTownId('matrix-b');
const tokens = {} as Record<Caller, string | null>;
let hints: Hints = {};

beforeAll(async () => {
  quietConsole('log', 'warn');
  const r1 = await api.rig.register.mutate({ townId: A, name: 'r1' });
  const r2 = await api.rig.register.mutate({ townId: A, name: 'r2' });
  const r3 = await api.rig.register.mutate({ townId: A, name: 'r3' }); // the one rig.remove removes
  const r4 = await api.rig.register.mutate({ townId: A, name: 'r4' }); // holds no bead of any convoy
  const rb = await api.rig.register.mutate({ townId: B, name: 'rb' });
  await api.escalation.setRouting.mutate({ townId: A, webhookUrl: hookUrl(`matrix-${A}`) });
  const convoy = await api.convoy.create.mutate({
    townId: A,
    title: 'matrix',
    beads: [
      { rigId: r1.id, title: 'of r1' },
      { rigId: r2.id, title: 'of r2' },
    ],
  });
  const { escalation } = await api.escalation.raise.mutate({ townId: A, sourceRigId: r1.id, severity: 'medium', message: 'from r1' });
  await settle(A);
  const mail = (await api.mayor.mail.list.query({ townId: A })).items[0];
  const spare = await issueToken(A, 'rig', r2.id); // the one auth.revokeToken revokes
  const townA = await issueToken(A, 'town');
  const revoked = await issueToken(A, 'town');
  await api.auth.revokeToken.mutate({ townId: A, tokenId: revoked.tokenId });
  const townClaims = claimsOf(townA.token);
  Object.assign(tokens, {
    'no token': null,
    admin: 'dev-token',
    'town token of this town': townA.token,
    'town token of another town': (await issueToken(B, 'town')).token,
    'rig token of this rig': (await issueToken(A, 'rig', r1.id)).token,
    'rig token of another rig': (await issueToken(A, 'rig', r2.id)).token,
    'rig token of a rig in no convoy': (await issueToken(A, 'rig', r4.id)).token,
    'rig token of another town': (await issueToken(B, 'rig', rb.id)).token,
    // A live token's own id, but past its `exp`: only the expiry refuses it.
    expired: await forgeToken({ ...townClaims, exp: Math.floor(Date.now() / 1000) - 60 }),
    revoked: revoked.token,
    'wrong signature': tamperedSignature(townA.token),
    'alg: none': unsignedToken(townA.token),
    'signed with another key': await forgeToken(townClaims, 'another-key-of-32-bytes-or-more-0123456789'),
  } satisfies Record<Caller, string | null>);
  const bead = convoy.beadIds[0]; // the first bead given: r1's
  if (!mail || !bead) throw new Error('town A is missing its data');
  const ids: Record<string, string | undefined> = {
    townId: A,
    rigId: r1.id,
    sourceRigId: r1.id,
    target: r1.id,
    convoyId: convoy.id,
    beadId: bead,
    escalationId: escalation.id,
    mailId: mail.id,
    tokenId: spare.tokenId,
    webhookUrl: hookUrl(`matrix-${A}`),
    role: 'rig',
    // Optional cursors and resume ids: a generated one would only be BAD_REQUEST.
    cursor: undefined,
    after: undefined,
    lastEventId: undefined,
  };
  hints = {
    ...Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, () => v])),
    name: () => `rig-${crypto.randomUUID().slice(0, 8)}`,
    idempotencyKey: () => crypto.randomUUID(),
    beads: () => [{ rigId: r1.id, title: 'matrix bead' }],
    // A watcher takes a webhook URL or an email, not both: the sample gives the URL.
    email: () => undefined,
  };
  overrides['rig.remove'] = { rigId: r3.id };
});
afterAll(() => vi.restoreAllMocks());

const overrides: Record<string, Record<string, unknown>> = {};
const inputFor = (p: (typeof procedures)[number]) => {
  const schema = p.inputs[0];
  if (!schema) throw new Error(`${p.path} has no input`);
  return { ...(sample(schema, [], hints) as object), ...overrides[p.path] };
};

const UNAUTHENTICATED: Caller[] = ['no token', 'expired', 'revoked', 'wrong signature', 'alg: none', 'signed with another key'];

/** What `caller` must get from procedure `path`. */
function expected(path: string, caller: Caller): 'allowed' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' {
  if (UNAUTHENTICATED.includes(caller)) return 'UNAUTHORIZED';
  if (caller === 'admin' || caller === 'town token of this town') return 'allowed';
  const may = RIG_MAY[path];
  if (caller === 'rig token of this rig') return may ? 'allowed' : 'FORBIDDEN';
  if (caller === 'rig token of another rig') return may === 'any' || may === 'member' ? 'allowed' : 'FORBIDDEN';
  if (caller === 'rig token of a rig in no convoy') return may === 'any' ? 'allowed' : may === 'member' ? 'NOT_FOUND' : 'FORBIDDEN';
  return 'FORBIDDEN'; // another town's tokens
}

const STATUS = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404 } as const;

const callers = (): Caller[] => Object.keys(tokens) as Caller[];
// Writes that would take the other cells' ground away run last: revoking every token of town A.
const ordered = [...procedures].sort((a, b) => Number(a.path === 'auth.revokeAll') - Number(b.path === 'auth.revokeAll'));

describe('access matrix (generated from the router)', () => {
  it('covers every procedure, and every kind of caller', () => {
    expect(procedures.map((p) => p.path)).toEqual(expect.arrayContaining(['rig.register', 'auth.issueToken', 'mayor.briefing']));
    expect(callers()).toHaveLength(13);
  });

  // Every refusal first, while nothing else changes town A: none of them may write anything.
  for (const p of ordered) {
    it(`${p.path}: each refused caller gets exactly its refusal, and nothing is written`, async () => {
      const input = inputFor(p);
      const before = await dumpTown(A, { rigs: true });
      for (const caller of callers()) {
        const want = expected(p.path, caller);
        if (want === 'allowed') continue;
        const got = await callAs(tokens[caller], p, input);
        expect({ caller, status: got.status, code: got.code }, got.text).toEqual({ caller, status: STATUS[want], code: want });
        // The same words whatever the reason: nothing says whether another town, rig or record exists.
        if (want !== 'NOT_FOUND') expect(got.message).toBe(want === 'UNAUTHORIZED' ? UNAUTHORIZED_MESSAGE : FORBIDDEN_MESSAGE);
      }
      expect(await dumpTown(A, { rigs: true })).toEqual(before);
    });
  }

  // Then the allowed callers, the rig's first and the admin last (auth.revokeAll by the town token
  // revokes that token too, so the admin comes after it).
  const allowedOrder: Caller[] = [
    'rig token of this rig',
    'rig token of another rig',
    'rig token of a rig in no convoy',
    'town token of this town',
    'admin',
  ];
  for (const p of ordered) {
    it(`${p.path}: each allowed caller gets through`, async () => {
      for (const caller of allowedOrder) {
        if (expected(p.path, caller) !== 'allowed') continue;
        const got = await callAs(tokens[caller], p, inputFor(p));
        expect({ caller, refused: got.status === 401 || got.status === 403 || got.status >= 500 }, got.text).toEqual({
          caller,
          refused: false,
        });
      }
    });
  }
});
