import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { client, newTownId, quietConsole } from './helpers';
import { hookUrl } from './receiver';
import { type ErrorBody, procedures, rawCall } from './router-procedures';
import { dumpTown } from './town-dump';
import { settle } from './town-helpers';
import { type Hints, sample } from './zod-cases';

// Town isolation, generated from the router: every procedure that takes an id is called through
// another town with town A's ids. Reads must not show any of A's data (they answer NOT_FOUND or B's
// own data); writes must answer NOT_FOUND and leave every database of town A exactly as it was.

const api = client();
const A = newTownId('iso-a');
const B = newTownId('iso-b');
/** Town A's ids, by the input field names that carry them. */
const ids: Record<string, string> = {};
/** The input fields that carry an id of a town's data (`beads` carries rig ids inside). */
const ID_FIELDS = [
  'rigId',
  'sourceRigId',
  'target',
  'convoyId',
  'beadId',
  'escalationId',
  'mailId',
  'tokenId',
  'silenceId',
  'watcherId',
  'beads',
];
/** A setting only town A has. */
const A_STORAGE_BUDGET_BYTES = 987_654_321;
/** Strings only town A's data contains. */
const markers: string[] = [];

beforeAll(async () => {
  quietConsole('log', 'warn');
  const name = `rig-${crypto.randomUUID().slice(0, 8)}`;
  const rig = await api.rig.register.mutate({ townId: A, name });
  await api.escalation.setRouting.mutate({ townId: A, webhookUrl: hookUrl(`only-a-${A}`), emailTo: 'only-a@example.com' });
  // Town A is paused (town.status shows its reason); its claims are not what this suite reads.
  await api.town.pause.mutate({ townId: A, reason: `paused-a-${A}` });
  const convoy = await api.convoy.create.mutate({ townId: A, title: 'only A', beads: [{ rigId: rig.id, title: 'bead of A' }] });
  const { escalation } = await api.escalation.raise.mutate({ townId: A, sourceRigId: rig.id, severity: 'medium', message: 'only A' });
  const watcher = await api.convoy.watch.mutate({ townId: A, convoyId: convoy.id, webhookUrl: hookUrl(`only-a-watcher-${A}`) });
  const silence = await api.escalation.silence.mutate({
    townId: A,
    matchers: { category: 'only-a-category' },
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    reason: 'only A silences',
  });
  await settle(A);
  const mail = (await api.mayor.mail.list.query({ townId: A })).items[0];
  await api.watchdog.heartbeat.mutate({ townId: A });
  await api.town.setSettings.mutate({ townId: A, storageBudgetBytes: A_STORAGE_BUDGET_BYTES });
  const token = await api.auth.issueToken.mutate({ townId: A, role: 'rig', rigId: rig.id, ttlSeconds: 600, label: `only-a-token-${A}` });
  const [beadId] = convoy.beadIds;
  if (!mail || !beadId) throw new Error('town A is missing its data');
  Object.assign(ids, {
    rigId: rig.id,
    sourceRigId: rig.id,
    target: rig.id,
    convoyId: convoy.id,
    beadId,
    escalationId: escalation.id,
    mailId: mail.id,
    tokenId: token.tokenId,
    silenceId: silence.id,
    watcherId: watcher.watcherId,
  });
  markers.push(
    rig.id,
    name,
    convoy.id,
    beadId,
    escalation.id,
    mail.id,
    silence.id,
    `only-a-${A}`,
    `paused-a-${A}`,
    watcher.watcherId,
    'only-a@example.com',
    String(A_STORAGE_BUDGET_BYTES),
  );
  // Town B has data of its own, so its lists are not trivially empty.
  const own = await api.rig.register.mutate({ townId: B, name: 'b-rig' });
  await api.convoy.create.mutate({ townId: B, title: 'only B', beads: [{ rigId: own.id, title: 'bead of B' }] });
  await api.escalation.raise.mutate({ townId: B, sourceRigId: own.id, severity: 'medium', message: 'only B' });
});
afterAll(() => vi.restoreAllMocks());

function shapeOf(p: (typeof procedures)[number]): Record<string, z.core.$ZodType> {
  const input = p.inputs[0];
  if (!input) throw new Error(`${p.path} has no input`);
  return (input._zod.def as unknown as { shape: Record<string, z.core.$ZodType> }).shape;
}
const optional = (s: z.core.$ZodType) => ['optional', 'default', 'prefault'].includes(s._zod.def.type);
const idFields = (p: (typeof procedures)[number]) => Object.keys(shapeOf(p)).filter((k) => ID_FIELDS.includes(k));

/** Queries whose id fields are filters that must all match: one id is given (all of them match nothing). */
const ONE_ID_FILTER: Record<string, string> = { 'event.list': 'convoyId' };

/** A query's input in `townId`: its required fields, plus every field that names one of A's ids. */
function queryInput(p: (typeof procedures)[number], townId: string) {
  // A watcher takes a webhook URL or an email, not both: the sample gives the URL.
  const hints: Hints = { townId: () => townId, email: () => undefined };
  const namesId = (k: string) => (ONE_ID_FILTER[p.path] ? k === ONE_ID_FILTER[p.path] : k in ids);
  const entries = Object.entries(shapeOf(p))
    .filter(([k, s]) => namesId(k) || k === 'townId' || !optional(s))
    .map(([k, s]) => [k, namesId(k) ? ids[k] : sample(s, [k], hints)]);
  return Object.fromEntries(entries);
}

const bodyOf = async (res: Response) => ({ status: res.status, text: await res.text() });
/** A's data in a response; a NOT_FOUND may echo the ids the caller sent itself, which shows nothing. */
const leaks = (res: { status: number; text: string }, sent: unknown = {}) =>
  markers.filter((m) => res.text.includes(m) && !(res.status === 404 && JSON.stringify(sent).includes(m)));

describe('town isolation (generated from the router)', () => {
  const queries = procedures.filter((p) => p.type === 'query');
  const mutationsWithIds = procedures.filter((p) => p.type === 'mutation' && idFields(p).length > 0);

  it('covers every read, and every write that names an id', () => {
    expect(queries.map((p) => p.path)).toEqual(
      expect.arrayContaining(['rig.list', 'convoy.get', 'convoy.beads', 'convoy.timeline', 'escalation.list', 'mayor.mail.list']),
    );
    expect(mutationsWithIds.map((p) => p.path)).toEqual(expect.arrayContaining(['rig.remove', 'convoy.beadClosed', 'mayor.mail.markRead']));
  });

  for (const p of queries) {
    it(`${p.path}: town A sees its data; town B, given A's ids, sees none of it`, async () => {
      const own = await bodyOf(await rawCall(p, queryInput(p, A)));
      expect(own.status, own.text).toBe(200);
      expect(leaks(own), `${p.path} in town A shows none of A's data: the check would prove nothing`).not.toEqual([]);

      const input = queryInput(p, B);
      const other = await bodyOf(await rawCall(p, input));
      expect([200, 404], other.text).toContain(other.status);
      if (other.status === 404) expect((JSON.parse(other.text) as ErrorBody).error.data.code).toBe('NOT_FOUND');
      expect(leaks(other, input)).toEqual([]);
    });
  }

  for (const p of mutationsWithIds) {
    it(`${p.path}: town B, given A's ids, gets NOT_FOUND and town A is unchanged`, async () => {
      const schema = p.inputs[0];
      if (!schema) throw new Error(`${p.path} has no input`);
      const hints: Hints = {
        townId: () => B,
        role: () => 'rig', // a rig token names a rig: A's
        email: () => undefined, // a watcher: the URL only
        ...Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, () => v])),
      };
      const before = await dumpTown(A, { rigs: true });
      const input = sample(schema, [], hints);
      const res = await bodyOf(await rawCall(p, input));
      expect(res.status, res.text).toBe(404);
      expect(leaks(res, input)).toEqual([]);
      expect(await dumpTown(A, { rigs: true })).toEqual(before);
    });
  }
});
