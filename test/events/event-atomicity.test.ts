import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import * as convoys from '../../server/convoys/convoys';
import { type ConvoyContext, convoyTaskHandlers, DELIVER_BEADS_TASK_KIND } from '../../server/convoys/delivery';
import { HOUR_MS } from '../../server/core/time';
import * as escalations from '../../server/escalations/escalations';
import * as lifecycle from '../../server/escalations/lifecycle';
import { reEscalateTask } from '../../server/escalations/reescalation-task';
import { setRouting } from '../../server/escalations/routing-update';
import { recordDeliveryEvent } from '../../server/events/notification-events';
import { deliverOutboxTask } from '../../server/notify/delivery';
import { removeRig } from '../../server/rigs/registry';
import { recordCheck } from '../../server/watchdog/health-records';
import { registerRigWithHeartbeat } from '../../server/watchdog/heartbeat-schedule';
import { DEFAULT_WATCHDOG_OPTIONS } from '../../server/watchdog/watchdog';
import { api, beadsFor, townWithRigs } from '../convoys/convoy-helpers';
import { quietConsole, townStub } from '../helpers';

// Atomicity: every state change and its event commit together. The fault is injected after the change
// and its event are written, before the transaction commits (the `eventAppended` hook, which appendEvent
// calls right after inserting the event, throws). Then neither the change nor the event may remain:
// the TownDO's whole database is exactly as before.

const FAULT = 'fault after the change and its event, before commit';

type Ctx = ConvoyContext;
interface Row {
  change: string;
  /** Prepares the town through the API; returns what `act` needs. */
  setup: (t: { townId: string; rigId: string }) => Promise<Record<string, string>>;
  act: (ctx: Ctx, ids: Record<string, string>) => unknown;
}

const rigRef = (rigId: string) => ({ target: rigId, kind: 'rig' as const, name: 'alpha' });
const unhealthy = { status: 'unhealthy' as const, latencyMs: 1, error: 'down' };
const policy = { ...DEFAULT_WATCHDOG_OPTIONS, failureThreshold: 2 };

async function landedConvoy(townId: string, rigId: string) {
  const convoy = await api.convoy.create.mutate({ townId, title: 'landed', beads: beadsFor(rigId, 1) });
  await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: convoy.beadIds[0] ?? '' });
  return convoy;
}

const ROWS: Row[] = [
  { change: 'rig registered', setup: async () => ({}), act: (c) => registerRigWithHeartbeat(c, { name: 'beta' }) },
  { change: 'rig removed', setup: async () => ({}), act: (c, { rigId }) => removeRig(c, rigId as string) },
  {
    change: 'convoy created',
    setup: async () => ({}),
    act: (c, { rigId }) => convoys.createConvoy(c, { title: 't', beads: beadsFor(rigId as string, 2) }),
  },
  {
    change: 'beads added (reopening a landed convoy)',
    setup: async ({ townId, rigId }) => ({ convoyId: (await landedConvoy(townId, rigId)).id }),
    act: (c, { convoyId, rigId }) => convoys.addBeads(c, { convoyId: convoyId as string, beads: beadsFor(rigId as string, 1) }),
  },
  {
    change: 'bead closed',
    setup: async ({ townId, rigId }) => {
      const convoy = await api.convoy.create.mutate({ townId, title: 't', beads: beadsFor(rigId, 2) });
      return { convoyId: convoy.id, beadId: convoy.beadIds[0] ?? '' };
    },
    act: (c, ids) => convoys.beadClosed(c, { convoyId: ids.convoyId as string, beadId: ids.beadId as string }),
  },
  {
    change: 'landed (the last close)',
    setup: async ({ townId, rigId }) => {
      const convoy = await api.convoy.create.mutate({ townId, title: 't', beads: beadsFor(rigId, 1) });
      return { convoyId: convoy.id, beadId: convoy.beadIds[0] ?? '' };
    },
    act: (c, ids) => convoys.beadClosed(c, { convoyId: ids.convoyId as string, beadId: ids.beadId as string }),
  },
  {
    change: 'convoy cancelled',
    setup: async ({ townId, rigId }) => ({
      convoyId: (await api.convoy.create.mutate({ townId, title: 't', beads: beadsFor(rigId, 1) })).id,
    }),
    act: (c, { convoyId }) => convoys.cancelConvoy(c, convoyId as string),
  },
  {
    change: 'beads delivered to a rig',
    setup: async ({ townId, rigId }) => {
      const convoy = await api.convoy.create.mutate({ townId, title: 't', beads: beadsFor(rigId, 1) });
      // Undo the delivery's watermark so the task has something to deliver again.
      await runInDurableObject(townStub(townId), (_i, state) => state.storage.sql.exec('delete from convoy_rig_deliveries'));
      return { convoyId: convoy.id };
    },
    // The handler sends, then returns its writes (watermark + event) to be committed with the tasks run
    // alongside it (scheduler.ts DeferredResult): the act is both.
    act: async (c, { convoyId, rigId }) => {
      const sent = await convoyTaskHandlers(c)[DELIVER_BEADS_TASK_KIND]?.({
        id: 'x',
        kind: DELIVER_BEADS_TASK_KIND,
        payload: { convoyId, rigId },
        attempts: 0,
      });
      return sent && 'commit' in sent ? sent.commit() : sent;
    },
  },
  {
    change: 'escalation raised',
    setup: async () => ({}),
    act: (c, { rigId }) => escalations.raiseFromRig(c, { sourceRigId: rigId as string, severity: 'high', message: 'm' }),
  },
  {
    change: 'escalation re-escalated',
    setup: async ({ townId, rigId }) => ({
      escalationId: (await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'm' })).escalation.id,
    }),
    act: (c, { escalationId }) =>
      reEscalateTask(
        { ...c, now: () => new Date(Date.now() + 5 * HOUR_MS) },
        { id: 'x', kind: 'k', payload: { escalationId }, attempts: 0 },
      ),
  },
  {
    change: 'escalation acknowledged',
    setup: async ({ townId, rigId }) => ({
      escalationId: (await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'm' })).escalation.id,
    }),
    act: (c, { escalationId }) => lifecycle.acknowledgeEscalation(c, { escalationId: escalationId as string }),
  },
  { change: 'routing changed', setup: async () => ({}), act: (c) => setRouting(c, { staleAfterMinutes: 5 }) },
  {
    change: 'watchdog target failing',
    setup: async () => ({}),
    act: (c, { rigId }) => recordCheck(c, rigRef(rigId as string), unhealthy, policy),
  },
  {
    change: 'watchdog target escalated',
    setup: async ({ townId }) => {
      await runInDurableObject(townStub(townId), (_i, state) => {
        const db = drizzle(state.storage, { schema });
        return recordCheck({ db, env, townId, now: () => new Date() }, rigRef('r'), unhealthy, policy);
      });
      return {};
    },
    act: (c) => recordCheck(c, rigRef('r'), unhealthy, policy),
  },
  {
    change: 'watchdog target recovered',
    setup: async ({ townId }) => {
      await runInDurableObject(townStub(townId), (_i, state) => {
        const c = { db: drizzle(state.storage, { schema }), env, townId, now: () => new Date() };
        recordCheck(c, rigRef('r'), unhealthy, policy);
        recordCheck(c, rigRef('r'), unhealthy, policy);
      });
      return {};
    },
    act: (c) => recordCheck(c, rigRef('r'), { status: 'healthy', latencyMs: 1, error: null }, policy),
  },
  {
    change: 'notification delivered',
    setup: async ({ townId, rigId }) => {
      await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'medium', message: 'm' });
      const [row] = await runInDurableObject(townStub(townId), (_i, state) =>
        drizzle(state.storage, { schema }).select().from(schema.outbox).all(),
      );
      // Back to pending, as if the first attempt had not happened yet.
      await runInDurableObject(townStub(townId), (_i, state) =>
        state.storage.sql.exec("update outbox set status = 'pending', attempts = 0, delivered_at = null"),
      );
      return { outboxId: row?.id ?? '' };
    },
    act: (c, { outboxId }) =>
      deliverOutboxTask(c, { id: 'x', kind: 'outbox.deliver', payload: { outboxId }, attempts: 0 }, new Set(), recordDeliveryEvent),
  },
];

/** Every row of every table of the TownDO (from inside it). */
function dump(storage: DurableObjectStorage) {
  const tables = storage.sql
    .exec<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'sqlite%' order by name",
    )
    .toArray();
  return Object.fromEntries(tables.map(({ name }) => [name, storage.sql.exec(`select * from "${name}" order by 1`).toArray()]));
}

describe('a state change and its event commit together', () => {
  it.each(ROWS.map((r) => [r.change, r] as const))('%s: a fault before commit leaves neither', async (_label, row) => {
    quietConsole('log', 'warn', 'error');
    const { townId, rigs } = await townWithRigs('alpha');
    const ids = { rigId: rigs.alpha, ...(await row.setup({ townId, rigId: rigs.alpha })) };
    await runInDurableObject(townStub(townId), async (_i, state) => {
      const before = dump(state.storage);
      let appended = 0;
      const ctx: Ctx = {
        db: drizzle(state.storage, { schema }),
        env,
        townId,
        now: () => new Date(),
        armAlarm: async () => {},
        eventAppended: () => {
          appended += 1;
          throw new Error(FAULT);
        },
      };
      await expect(Promise.resolve().then(() => row.act(ctx, ids))).rejects.toThrow(FAULT);
      expect(appended, 'the fault fired').toBe(1);
      expect(dump(state.storage)).toEqual(before);
    });
    vi.restoreAllMocks();
  });
});
