import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { appendEvent } from '../../server/core/event-log';
import { scheduledTask } from '../../server/core/scheduler';
import { DAY_MS } from '../../server/core/time';
import { pruneTask } from '../../server/retention/event-prune';
import { EVENT_PRUNE_TASK_ID } from '../../server/retention/event-prune-schedule';
import { RETENTION_BATCH_PAUSE_MS, RETENTION_BATCH_ROWS } from '../../server/retention/pace';
import { allEvents, client, expectTrpcError, newTownId, townStub, withTownDb } from '../helpers';

const api = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('event retention', () => {
  it('prunes events past the town’s retention, keeps the newest, and answers an older cursor PRECONDITION_FAILED', async () => {
    const townId = newTownId('retention');
    for (const name of ['a', 'b', 'c']) await api.rig.register.mutate({ townId, name });
    const old = await allEvents({ townId });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * DAY_MS);
    await api.rig.register.mutate({ townId, name: 'late' });

    // Shortening the retention schedules the pruning at once; the alarm runs it.
    await api.town.setSettings.mutate({ townId, eventRetentionDays: 1 });
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    const kept = await allEvents({ townId });
    expect(kept.map((e) => e.data.name)).toEqual(['late']);

    // A cursor whose successors are gone is refused, never silently skipped; the one just before the oldest kept is fine.
    const error = await expectTrpcError(api.event.list.query({ townId, after: old[0]?.id }), 'PRECONDITION_FAILED', /pruned/);
    expect(error.data?.httpStatus).toBe(412);
    expect((await api.event.list.query({ townId, after: old[2]?.id })).items).toEqual(kept);

    // A stream resuming from there is refused the same way (not retried: the client must re-read the state).
    const streamErrors: unknown[] = [];
    const sub = api.event.subscribe.subscribe({ townId, lastEventId: old[0]?.id }, { onError: (e) => streamErrors.push(e) });
    await vi.waitFor(() => expect(streamErrors).toHaveLength(1), { timeout: 10_000 });
    expect((streamErrors[0] as { data?: { code?: string } }).data?.code).toBe('PRECONDITION_FAILED');
    sub.unsubscribe();

    // Even when everything is past retention the newest stays, so ids never go back.
    vi.setSystemTime(Date.now() + 10 * DAY_MS);
    await api.town.setSettings.mutate({ townId, eventRetentionDays: 1 });
    await runDurableObjectAlarm(townStub(townId));
    expect(await allEvents({ townId })).toEqual(kept);
    await api.rig.register.mutate({ townId, name: 'later' });
    const [, newest] = await allEvents({ townId });
    expect(Number(newest?.id)).toBe(Number(kept[0]?.id) + 1);
  });

  it('prunes in bounded batches, at the retention pace, and stops when only the newest is left', async () => {
    const townId = newTownId('retention-batch');
    const total = 2 * RETENTION_BATCH_ROWS + 100;
    const base = Date.now();
    const runs = await runInDurableObject(townStub(townId), (_i, state) => {
      const at = (ms: number) => ({ db: drizzle(state.storage, { schema }), env, townId, now: () => new Date(ms) });
      for (let i = 0; i < total; i++) appendEvent(at(base - 40 * DAY_MS), { type: 'routing.changed', data: { i } });
      appendEvent(at(base - DAY_MS), { type: 'routing.changed', data: { last: true } });
      return [pruneTask(at(base)), pruneTask(at(base)), pruneTask(at(base)), pruneTask(at(base))];
    });
    // Full batches go on after the retention pause; the last leaves only the newest event, and stops.
    expect(runs).toEqual([
      { retryAt: base + RETENTION_BATCH_PAUSE_MS },
      { retryAt: base + RETENTION_BATCH_PAUSE_MS },
      undefined,
      undefined,
    ]);
    const left = await allEvents({ townId });
    expect(left.map((e) => e.data)).toEqual([{ last: true }]);
  });

  it('is scheduled at the oldest event’s expiry, and prunes it when due', async () => {
    const townId = newTownId('retention-schedule');
    await api.rig.register.mutate({ townId, name: 'a' });
    await api.rig.register.mutate({ townId, name: 'b' });
    await api.watchdog.heartbeat.mutate({ townId }); // the pulse makes sure the pruning is scheduled
    const [first] = await allEvents({ townId });
    const row = await withTownDb(townId, (db) => scheduledTask(db, EVENT_PRUNE_TASK_ID));
    expect(row?.dueAt).toBe(Date.parse(first?.at ?? '') + 30 * DAY_MS);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31 * DAY_MS);
    await runDurableObjectAlarm(townStub(townId)); // the heartbeat and the pruning are both due
    expect((await allEvents({ townId })).length).toBeGreaterThanOrEqual(1);
    expect((await allEvents({ townId })).some((e) => e.id === first?.id)).toBe(false);
  });

  it('a retention set back to its default (null) re-plans the pruning at once, as a set one does', async () => {
    const townId = newTownId('retention-null');
    await api.rig.register.mutate({ townId, name: 'a' });
    await api.rig.register.mutate({ townId, name: 'b' });
    const oldestAt = Date.parse((await allEvents({ townId }))[0]?.at ?? '');
    const dueAt = () => withTownDb(townId, (db) => scheduledTask(db, EVENT_PRUNE_TASK_ID)?.dueAt);
    const pruneRuns = async () => {
      await runDurableObjectAlarm(townStub(townId)); // whatever is due (the runtime may have run it already)
    };
    await api.town.setSettings.mutate({ townId, eventRetentionDays: 1 });
    await pruneRuns();
    expect(await dueAt()).toBe(oldestAt + DAY_MS); // planned under the 1-day retention
    await api.town.setSettings.mutate({ townId, eventRetentionDays: null });
    await pruneRuns();
    expect(await dueAt()).toBe(oldestAt + 30 * DAY_MS); // re-planned now under the default, not in a day
  });

  it('refuses a retention outside 1–3650 days', async () => {
    await expectTrpcError(
      api.town.setSettings.mutate({ townId: newTownId('r'), eventRetentionDays: 0 }),
      'BAD_REQUEST',
      /eventRetentionDays/,
    );
  });
});
