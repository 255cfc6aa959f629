import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, newTownId, quietConsole, townStub } from './helpers';
import { failAfterInsertInto } from './sql-fault';
import { settle } from './town-helpers';
import { setRigHealth } from './watchdog/watchdog-helpers';

// "Every state change writes its notifications in the same transaction": for each change, a fault
// thrown right after its notification row is written (so after the state change, before the commit)
// must leave neither the change nor the row. Were the row written after the commit, or the change
// committed on its own, the change would survive the fault and the row below would fail.
// One row per (change, table written with it): a new kind of row written in the same transaction (an
// event log, say) is one more row with its `table`.

const api = client();
const HOUR_MS = 3_600_000;

interface Arranged {
  townId: string;
  /** Ids the act and the check need (a convoy, a bead, an escalation). */
  ids: Record<string, string>;
}

interface Row {
  change: string;
  /** The table of the row written in the same transaction as the change; the fault follows its insert. */
  table: string;
  /** Tables (or `table where …`) that must read exactly as before the faulted change (the state and its notification). */
  unchanged: string[];
  /** Everything up to just before the change. */
  arrange: () => Promise<Arranged>;
  /** Makes the change (run once with the fault in place, once without). */
  act: (arranged: Arranged) => Promise<unknown>;
  /** Without the fault, the change happened and wrote its row. */
  happened: (arranged: Arranged) => Promise<void>;
}

/** The rows of `table`, or of `table where …` (a filter of trusted test SQL). */
const rowsOf = (townId: string, table: string) => {
  const [name, where] = table.split(' where ');
  const sql = `select * from "${name}"${where ? ` where ${where}` : ''} order by 1`;
  return runInDurableObject(townStub(townId), (_i, state) => state.storage.sql.exec(sql).toArray());
};
const tables = async (townId: string, names: string[]) =>
  Object.fromEntries(await Promise.all(names.map(async (n) => [n, await rowsOf(townId, n)])));
const outboxTypes = async (townId: string) => (await rowsOf(townId, 'outbox')).map((r) => `${r.type}/${r.channel}`).sort();

async function townWithRig(label: string) {
  const townId = newTownId(label);
  const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
  return { townId, rigId: rig.id };
}

const TABLE: Row[] = [
  {
    change: 'a convoy lands (its last bead closes)',
    table: 'outbox',
    unchanged: ['convoys', 'convoy_beads', 'outbox', 'schedule'],
    arrange: async () => {
      const { townId, rigId } = await townWithRig('tx-land');
      const convoy = await api.convoy.create.mutate({
        townId,
        title: 'c',
        beads: [
          { rigId, title: 'a' },
          { rigId, title: 'b' },
        ],
      });
      const [first, last] = convoy.beadIds;
      await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: first ?? '' });
      return { townId, ids: { convoyId: convoy.id, beadId: last ?? '' } };
    },
    act: ({ townId, ids }) => api.convoy.beadClosed.mutate({ townId, convoyId: ids.convoyId ?? '', beadId: ids.beadId ?? '' }),
    happened: async ({ townId, ids }) => {
      expect(await api.convoy.get.query({ townId, convoyId: ids.convoyId ?? '' })).toMatchObject({ status: 'landed', closedBeads: 2 });
      expect(await outboxTypes(townId)).toEqual(['convoy.landed/mayor']);
    },
  },
  {
    change: 'an escalation is raised',
    table: 'outbox',
    unchanged: ['escalations', 'outbox', 'schedule'],
    arrange: async () => {
      const { townId, rigId } = await townWithRig('tx-raise');
      return { townId, ids: { rigId } };
    },
    act: ({ townId, ids }) => api.escalation.raise.mutate({ townId, sourceRigId: ids.rigId ?? '', severity: 'medium', message: 'stuck' }),
    happened: async ({ townId }) => {
      expect(await rowsOf(townId, 'escalations')).toHaveLength(1);
      expect(await outboxTypes(townId)).toEqual(['escalation.raised/mayor']);
    },
  },
  {
    change: 'an escalation is re-escalated (by the alarm)',
    table: 'outbox',
    // Not `schedule`: the failed task's retry is recorded there, outside the faulted transaction.
    unchanged: ['escalations', 'outbox'],
    arrange: async () => {
      const { townId, rigId } = await townWithRig('tx-reesc');
      vi.useFakeTimers({ toFake: ['Date'] });
      const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'stuck' });
      await settle(townId); // low is routed nowhere: no outbox row yet
      vi.setSystemTime(Date.parse(escalation.createdAt) + 4 * HOUR_MS); // the first bump is due: low → medium
      return { townId, ids: { escalationId: escalation.id } };
    },
    act: async ({ townId }) => {
      await runDurableObjectAlarm(townStub(townId));
      vi.setSystemTime(Date.now() + HOUR_MS); // past the retry's backoff, before the second bump
      await settle(townId);
    },
    happened: async ({ townId, ids }) => {
      const escalation = await api.escalation.get.query({ townId, escalationId: ids.escalationId ?? '' });
      expect(escalation).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
      expect(await outboxTypes(townId)).toEqual(['escalation.reescalated/mayor']);
    },
  },
  {
    change: 'a watchdog target recovers (its outage was escalated)',
    table: 'outbox',
    // The rig's rows: the container's are recorded by the same heartbeat, in their own transaction.
    unchanged: ["health_targets where kind = 'rig'", "health_checks where target != 'town-container'", 'outbox', 'escalations'],
    arrange: async () => {
      const { townId, rigId } = await townWithRig('tx-recover');
      const rig = await api.rig.get.query({ townId, rigId });
      await setRigHealth(rig.rigDoId, 'throw');
      await api.watchdog.heartbeat.mutate({ townId });
      await api.watchdog.heartbeat.mutate({ townId }); // the second failure escalates the outage
      await settle(townId); // its escalation's notifications delivered: only the recovery's row is new
      await setRigHealth(rig.rigDoId, 'heal');
      return { townId, ids: { rigId } };
    },
    act: ({ townId }) => api.watchdog.heartbeat.mutate({ townId }),
    happened: async ({ townId, ids }) => {
      const target = (await api.watchdog.status.query({ townId })).targets.find((t) => t.target === ids.rigId);
      expect(target).toMatchObject({ status: 'healthy', consecutiveFailures: 0, escalationId: null });
      expect((await outboxTypes(townId)).filter((t) => t.startsWith('watchdog.'))).toEqual(['watchdog.recovered/mayor']);
    },
  },
];

beforeEach(() => quietConsole('log', 'warn', 'error'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('a state change and its notification commit together', () => {
  it.each(TABLE.map((row) => [`${row.change} + its ${row.table} row`, row] as const))('%s', async (_name, row) => {
    const arranged = await row.arrange();
    const before = await tables(arranged.townId, row.unchanged);
    const fault = await failAfterInsertInto(townStub(arranged.townId), row.table);
    try {
      await row.act(arranged).catch(() => {}); // the fault may surface as the call's error (500) or a task's retry
    } finally {
      fault.restore();
    }
    expect(fault.fired(), `no insert into ${row.table} happened: the fault proves nothing`).toBeGreaterThan(0);
    expect(await tables(arranged.townId, row.unchanged)).toEqual(before);

    // Without the fault the same change happens, with its row: the fault was on the change's path.
    await row.act(arranged);
    await row.happened(arranged);
  });
});
