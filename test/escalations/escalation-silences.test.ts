import { evictDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, expectTrpcError, quietConsole, townStub } from '../helpers';
import { dumpTown } from '../town-dump';
import { outboxOf, outboxRows, settle, townWithRig } from '../town-helpers';

const api = client();
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function silencedTown() {
  const town = await townWithRig('silence');
  await api.escalation.setRouting.mutate({ townId: town.townId, staleAfterMinutes: 60 });
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.now();
  const at = async (ms: number) => {
    vi.setSystemTime(t0 + ms);
    await settle(town.townId);
  };
  return { ...town, t0, at };
}

describe('silences', () => {
  it('a matching raise is recorded and visible but tells nobody and does not re-escalate; at its end it resumes', async () => {
    const { townId, rigId, t0, at } = await silencedTown();
    const silence = await api.escalation.silence.mutate({
      townId,
      matchers: { sourceRigId: rigId, dedupKeyPrefix: 'ci:' },
      endsAt: new Date(t0 + 2 * HOUR_MS).toISOString(),
      reason: 'CI migration',
      by: 'ops',
    });
    expect(silence).toMatchObject({ active: true, reason: 'CI migration', createdBy: 'ops', endedAt: null });
    const raise = (dedupKey: string) =>
      api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'medium', message: dedupKey, dedupKey });
    const quiet = await raise('ci:red');
    const loud = await raise('disk:full'); // does not match the prefix
    expect(quiet).toMatchObject({ routedTo: [], escalation: { silencedBy: silence.id, status: 'open' } });
    expect(loud).toMatchObject({ routedTo: ['mayor'], escalation: { silencedBy: null } });
    expect((await api.escalation.list.query({ townId })).items.map((e) => e.id)).toContain(quiet.escalation.id);

    await at(90 * MINUTE_MS); // past the 60 min stale threshold, still silenced
    const get = () => api.escalation.get.query({ townId, escalationId: quiet.escalation.id });
    expect(await get()).toMatchObject({ severity: 'medium', reEscalationCount: 0, silencedBy: silence.id });
    expect(await outboxOf(townId, quiet.escalation.id)).toEqual([]);

    // Survives an eviction: the silence and its end are rows.
    await evictDurableObject(townStub(townId));
    await at(2 * HOUR_MS); // the silence ends: routed now, re-escalation clock from here
    expect(await get()).toMatchObject({ silencedBy: null, reEscalationCount: 0 });
    expect((await outboxOf(townId, quiet.escalation.id)).map((r) => [r.type, r.channel])).toEqual([['escalation.resumed', 'mayor']]);
    await at(2 * HOUR_MS + 59 * MINUTE_MS);
    expect(await get()).toMatchObject({ reEscalationCount: 0 });
    await at(3 * HOUR_MS);
    expect(await get()).toMatchObject({ severity: 'high', reEscalationCount: 1 });
    expect(await api.escalation.silences.query({ townId, active: true })).toEqual([]);
    expect((await api.escalation.silences.query({ townId, active: false })).map((s) => s.id)).toEqual([silence.id]);
  });

  it('a silence past its endsAt silences nothing, even before its end task has run', async () => {
    const { townId, rigId, t0 } = await silencedTown();
    await api.escalation.silence.mutate({
      townId,
      matchers: { sourceRigId: rigId },
      endsAt: new Date(t0 + HOUR_MS).toISOString(),
      reason: 'deploy',
    });
    // The clock passes endsAt; the runtime's alarm keeps real time, so the end task has not run.
    vi.setSystemTime(t0 + HOUR_MS + MINUTE_MS);
    const late = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'medium', message: 'after' });
    expect(late).toMatchObject({ routedTo: ['mayor'], escalation: { silencedBy: null } });
  });

  it('unsilence ends it at once (idempotently) and lets its escalations go', async () => {
    const { townId, rigId, t0 } = await silencedTown();
    const silence = await api.escalation.silence.mutate({
      townId,
      matchers: { severity: 'high', category: 'build' },
      endsAt: new Date(t0 + HOUR_MS).toISOString(),
      reason: 'known',
    });
    const { escalation } = await api.escalation.raise.mutate({
      townId,
      sourceRigId: rigId,
      severity: 'high',
      category: 'build',
      message: 'x',
    });
    expect(escalation.silencedBy).toBe(silence.id);
    const ended = await api.escalation.unsilence.mutate({ townId, silenceId: silence.id });
    expect(ended).toMatchObject({ active: false, endedAt: new Date(Date.now()).toISOString() });
    expect(await api.escalation.unsilence.mutate({ townId, silenceId: silence.id })).toEqual(ended);
    expect(await api.escalation.get.query({ townId, escalationId: escalation.id })).toMatchObject({ silencedBy: null });
    expect((await outboxRows(townId)).map((r) => [r.type, (r.payload.data as { escalation: unknown }).escalation])).toEqual([
      ['escalation.resumed', expect.objectContaining({ id: escalation.id })],
    ]);
    await expectTrpcError(api.escalation.unsilence.mutate({ townId, silenceId: 'nope' }), 'NOT_FOUND');
  });

  it('rejects bad silences with BAD_REQUEST naming the field, writing nothing', async () => {
    const { townId, t0 } = await silencedTown();
    const before = await dumpTown(townId);
    const endsAt = new Date(t0 + HOUR_MS).toISOString();
    const silence = (input: Partial<Parameters<typeof api.escalation.silence.mutate>[0]>) =>
      api.escalation.silence.mutate({ townId, matchers: { category: 'x' }, endsAt, reason: 'r', ...input });
    await expectTrpcError(silence({ matchers: {} }), 'BAD_REQUEST', /matchers/);
    await expectTrpcError(silence({ endsAt: new Date(t0 - 1).toISOString() }), 'BAD_REQUEST', /endsAt/);
    await expectTrpcError(silence({ endsAt: new Date(t0 + 31 * 24 * HOUR_MS).toISOString() }), 'BAD_REQUEST', /endsAt/);
    await expectTrpcError(silence({ endsAt: 'tomorrow' }), 'BAD_REQUEST', /endsAt/);
    await expectTrpcError(silence({ reason: ' ' }), 'BAD_REQUEST', /reason/);
    expect(await dumpTown(townId)).toEqual(before);
  });
});
