import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openTownDb } from '../../server/core/town-db';
import { type Escalation, raiseEscalation } from '../../server/escalations/escalations';
import { client, expectTrpcError, newTownId, townStub } from '../helpers';
import { outboxRows, townWithRig } from '../town-helpers';

const api = client();

afterEach(() => {
  vi.useRealTimers();
});

describe('escalation procedures', () => {
  it('raises an escalation and gets it back', async () => {
    const { townId, rigId } = await townWithRig();
    const { escalation, routedTo } = await api.escalation.raise.mutate({
      townId,
      sourceRigId: rigId,
      sourceAgentId: 'polecat-1',
      severity: 'medium',
      category: 'build',
      message: '  CI is red on main  ',
    });
    expect(escalation).toEqual({
      id: expect.any(String),
      sourceRigId: rigId,
      sourceAgentId: 'polecat-1',
      severity: 'medium',
      originalSeverity: 'medium',
      category: 'build',
      message: 'CI is red on main',
      status: 'open',
      acknowledged: false,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      resolveReason: null,
      reEscalationCount: 0,
      lastReEscalatedAt: null,
      dedupKey: null,
      occurrences: 1,
      lastSeenAt: escalation.createdAt,
      convoyId: null,
      beadId: null,
      silencedBy: null,
      inhibitedBy: null,
      createdAt: expect.any(String),
    });
    expect(new Date(escalation.createdAt).toISOString()).toBe(escalation.createdAt);
    expect(routedTo).toEqual(['mayor']);
    expect(await api.escalation.get.query({ townId, escalationId: escalation.id })).toEqual(escalation);
  });

  it('answers NOT_FOUND for an unknown rig or escalation, writing nothing', async () => {
    const { townId } = await townWithRig();
    await expectTrpcError(
      api.escalation.raise.mutate({ townId, sourceRigId: 'ghost', severity: 'high', message: 'x' }),
      'NOT_FOUND',
      /ghost/,
    );
    await expectTrpcError(api.escalation.get.query({ townId, escalationId: 'nope' }), 'NOT_FOUND');
    await expectTrpcError(api.escalation.acknowledge.mutate({ townId, escalationId: 'nope' }), 'NOT_FOUND');
    expect((await api.escalation.list.query({ townId })).items).toEqual([]);
    expect(await outboxRows(townId)).toEqual([]);
  });

  it('rejects bad input with BAD_REQUEST naming the field, writing nothing', async () => {
    const { townId, rigId } = await townWithRig();
    const base = { townId, sourceRigId: rigId, severity: 'high' as const, message: 'ok' };
    await expectTrpcError(api.escalation.raise.mutate({ ...base, message: '   ' }), 'BAD_REQUEST', /message/);
    await expectTrpcError(api.escalation.raise.mutate({ ...base, message: '' }), 'BAD_REQUEST', /message/);
    // @ts-expect-error an unknown severity
    await expectTrpcError(api.escalation.raise.mutate({ ...base, severity: 'urgent' }), 'BAD_REQUEST', /severity/);
    // @ts-expect-error an unknown field
    await expectTrpcError(api.escalation.raise.mutate({ ...base, extra: 1 }), 'BAD_REQUEST');
    await expectTrpcError(api.escalation.list.query({ townId, limit: 0 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.escalation.list.query({ townId, cursor: 'garbage' }), 'BAD_REQUEST', /cursor/);
    expect((await api.escalation.list.query({ townId })).items).toEqual([]);
    expect(await outboxRows(townId)).toEqual([]);
    expect((await api.mayor.mail.list.query({ townId })).items).toEqual([]);
  });

  it('acknowledges once: a second acknowledge keeps the first time and who', async () => {
    const { townId, rigId } = await townWithRig();
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'disk 90%' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse(escalation.createdAt) + 60_000);
    const first = await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id, by: 'mayor' });
    expect(first).toMatchObject({ acknowledged: true, acknowledgedBy: 'mayor', acknowledgedAt: new Date(Date.now()).toISOString() });
    vi.setSystemTime(Date.now() + 3_600_000);
    const second = await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id, by: 'someone-else' });
    expect(second).toEqual(first);
    expect(await api.escalation.get.query({ townId, escalationId: escalation.id })).toEqual(first);
  });

  it('lists newest first in cursor pages, filtered by acknowledged and severity', async () => {
    const { townId, rigId } = await townWithRig();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const raised: Escalation[] = [];
    for (const [i, severity] of (['low', 'high', 'medium', 'high', 'low'] as const).entries()) {
      vi.setSystemTime(start + i * 1_000);
      raised.push((await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity, message: `m${i}` })).escalation);
    }
    await api.escalation.acknowledge.mutate({ townId, escalationId: raised[1]?.id ?? '' });
    const ids = (list: { id: string }[]) => list.map((e) => e.id);
    const newestFirst = ids([...raised].reverse());

    const page1 = await api.escalation.list.query({ townId, limit: 2 });
    const page2 = await api.escalation.list.query({ townId, limit: 2, cursor: page1.nextCursor ?? '' });
    const page3 = await api.escalation.list.query({ townId, limit: 2, cursor: page2.nextCursor ?? '' });
    expect([...ids(page1.items), ...ids(page2.items), ...ids(page3.items)]).toEqual(newestFirst);
    expect(page3.nextCursor).toBeNull();

    const high = await api.escalation.list.query({ townId, severity: 'high' });
    expect(ids(high.items)).toEqual([raised[3]?.id, raised[1]?.id]);
    const open = await api.escalation.list.query({ townId, acknowledged: false });
    expect(ids(open.items)).toEqual(newestFirst.filter((id) => id !== raised[1]?.id));
    const acked = await api.escalation.list.query({ townId, acknowledged: true, severity: 'high' });
    expect(ids(acked.items)).toEqual([raised[1]?.id]);
  });

  it('lets the watchdog raise for a source that is not a registered rig', async () => {
    const townId = newTownId('watchdog');
    await api.rig.list.query({ townId }); // the DO learns its town id
    const result = await runInDurableObject(townStub(townId), async (_i, state) => {
      const db = await openTownDb(state.storage);
      return raiseEscalation(
        { db, env, townId, now: () => new Date() },
        { sourceRigId: 'town-container', severity: 'critical', category: 'container', message: 'Town Container is down' },
      );
    });
    expect(result.escalation).toMatchObject({ sourceRigId: 'town-container', severity: 'critical' });
    expect(result.routedTo).toEqual(['mayor']);
    expect((await api.escalation.list.query({ townId })).items).toEqual([result.escalation]);
  });
});
