import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { REESCALATE_TASK_KIND } from '../../server/escalations/reescalation-task';
import { client, withTownDb } from '../helpers';
import { settle, townWithRig } from '../town-helpers';

// A changed re-escalation policy (threshold or cap) applies to escalations that are already open.

const api = client();
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

afterEach(() => {
  vi.useRealTimers();
});

/** A town whose routing starts as `routing`, with a low escalation raised at the (frozen) time T0. */
async function openEscalation(routing: { maxReEscalations?: number; staleAfterMinutes?: number } = {}) {
  const town = await townWithRig('policy');
  if (Object.keys(routing).length) await api.escalation.setRouting.mutate({ townId: town.townId, ...routing });
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.now();
  const { escalation } = await api.escalation.raise.mutate({
    townId: town.townId,
    sourceRigId: town.rigId,
    severity: 'low',
    message: 'stuck',
  });
  await settle(town.townId);
  /** Sets the clock to T0 + `ms`, runs what is due, and returns the escalation. */
  const at = async (ms: number) => {
    vi.setSystemTime(t0 + ms);
    await settle(town.townId);
    return api.escalation.get.query({ townId: town.townId, escalationId: escalation.id });
  };
  /** The escalation's re-escalation task's due time (epoch ms), or null when it has none. */
  const taskDueAt = () =>
    withTownDb(
      town.townId,
      (db) => db.select().from(schema.schedule).where(eq(schema.schedule.kind, REESCALATE_TASK_KIND)).get()?.dueAt ?? null,
    );
  const setRouting = (update: { maxReEscalations?: number | null; staleAfterMinutes?: number | null }) =>
    api.escalation.setRouting.mutate({ townId: town.townId, ...update });
  return { t0, at, taskDueAt, setRouting };
}

describe('re-escalation after a policy change', () => {
  it('raising the cap from 0 re-escalates escalations that were open before', async () => {
    const { t0, at, taskDueAt, setRouting } = await openEscalation({ maxReEscalations: 0 });
    expect(await taskDueAt()).toBeNull();
    expect(await at(5 * HOUR_MS)).toMatchObject({ severity: 'low', reEscalationCount: 0 });

    await setRouting({ maxReEscalations: 2 });
    // Bump 0 was due at 4 h, already past: it runs now; bump 1 follows on the grid at 8 h.
    expect(await at(5 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
    expect(await taskDueAt()).toBe(t0 + 8 * HOUR_MS);
    expect(await at(8 * HOUR_MS)).toMatchObject({ severity: 'high', reEscalationCount: 2 });
    expect(await taskDueAt()).toBeNull();
  });

  it('a cap set back to the environment default (null) counts as a change', async () => {
    const { t0, at, taskDueAt, setRouting } = await openEscalation({ maxReEscalations: 0 });
    await setRouting({ maxReEscalations: null }); // ESCALATION_MAX_RE_ESCALATIONS = 3
    expect(await taskDueAt()).toBe(t0 + 4 * HOUR_MS);
    expect(await at(4 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
  });

  it('lowering the cap to what was reached cancels the task', async () => {
    const { at, taskDueAt, setRouting } = await openEscalation();
    expect(await at(4 * HOUR_MS)).toMatchObject({ reEscalationCount: 1 });
    await setRouting({ maxReEscalations: 1 });
    expect(await taskDueAt()).toBeNull();
    expect(await at(20 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
  });

  it('a shorter threshold moves the next bump earlier, a longer one later', async () => {
    const { t0, at, taskDueAt, setRouting } = await openEscalation(); // 240 min
    expect(await taskDueAt()).toBe(t0 + 4 * HOUR_MS);
    vi.setSystemTime(t0 + HOUR_MS);
    await setRouting({ staleAfterMinutes: 90 });
    expect(await taskDueAt()).toBe(t0 + 90 * MINUTE_MS);
    expect(await at(90 * MINUTE_MS - 1)).toMatchObject({ reEscalationCount: 0 });
    expect(await at(90 * MINUTE_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });

    await setRouting({ staleAfterMinutes: 300 }); // bump 1 now due at 2 × 300 min = 10 h
    expect(await taskDueAt()).toBe(t0 + 10 * HOUR_MS);
    expect(await at(9 * HOUR_MS)).toMatchObject({ reEscalationCount: 1 });
    expect(await at(10 * HOUR_MS)).toMatchObject({ severity: 'high', reEscalationCount: 2 });
  });

  it('leaves acknowledged escalations and unrelated routing changes alone', async () => {
    const town = await townWithRig('policy');
    const { escalation } = await api.escalation.raise.mutate({
      townId: town.townId,
      sourceRigId: town.rigId,
      severity: 'low',
      message: 'x',
    });
    const taskOf = () =>
      withTownDb(town.townId, (db) => db.select().from(schema.schedule).where(eq(schema.schedule.kind, REESCALATE_TASK_KIND)).get());
    const before = await taskOf();
    await api.escalation.setRouting.mutate({ townId: town.townId, emailTo: 'ops@example.com', staleAfterMinutes: 240 });
    expect(await taskOf()).toEqual(before); // same policy: not even rescheduled (version unchanged)
    await api.escalation.acknowledge.mutate({ townId: town.townId, escalationId: escalation.id });
    await api.escalation.setRouting.mutate({ townId: town.townId, staleAfterMinutes: 30 });
    expect(await taskOf()).toBeUndefined();
  });
});
