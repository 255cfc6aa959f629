import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allEvents, client, expectTrpcError, quietConsole } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle, townWithRig } from '../town-helpers';
import { escalationsOf } from '../watchdog/watchdog-helpers';

const api = client();
const HOUR_MS = 3_600_000;

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('escalation lifecycle', () => {
  it('resolves from open or acknowledged, once, keeping the first resolvedAt, resolvedBy and resolveReason', async () => {
    const { townId, rigId } = await townWithRig('life');
    const raise = () => api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'x' });
    const [open, acked] = [(await raise()).escalation, (await raise()).escalation];
    await api.escalation.acknowledge.mutate({ townId, escalationId: acked.id, by: 'ops' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await api.escalation.resolve.mutate({ townId, escalationId: open.id, by: 'ops', reason: 'fixed the disk' });
    expect(first).toMatchObject({ status: 'resolved', resolvedBy: 'ops', resolveReason: 'fixed the disk', acknowledged: false });
    expect(first.resolvedAt).toBe(new Date(Date.now()).toISOString());
    vi.setSystemTime(Date.now() + 60_000);
    expect(await api.escalation.resolve.mutate({ townId, escalationId: open.id, by: 'someone', reason: 'again' })).toEqual(first);
    const resolvedAcked = await api.escalation.resolve.mutate({ townId, escalationId: acked.id });
    expect(resolvedAcked).toMatchObject({ status: 'resolved', acknowledged: true, acknowledgedBy: 'ops', resolvedBy: null });
    // Acknowledging a resolved escalation changes nothing.
    expect(await api.escalation.acknowledge.mutate({ townId, escalationId: open.id })).toEqual(first);

    const third = (await raise()).escalation;
    const ids = async (status: 'open' | 'acknowledged' | 'resolved') =>
      (await api.escalation.list.query({ townId, status })).items.map((e) => e.id).sort();
    expect(await ids('resolved')).toEqual([open.id, acked.id].sort());
    expect(await ids('open')).toEqual([third.id]);
    expect(await ids('acknowledged')).toEqual([]);
    await expectTrpcError(api.escalation.resolve.mutate({ townId, escalationId: 'nope' }), 'NOT_FOUND');
  });

  it('a resolved escalation never re-escalates', async () => {
    const { townId, rigId } = await townWithRig('life');
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'stuck' });
    await api.escalation.resolve.mutate({ townId, escalationId: escalation.id });
    vi.setSystemTime(t0 + 20 * HOUR_MS);
    await settle(townId);
    expect(await api.escalation.get.query({ townId, escalationId: escalation.id })).toMatchObject({
      severity: 'low',
      reEscalationCount: 0,
    });
  });

  it('tells escalation.resolved to exactly the channels that were told of it', async () => {
    const { townId, rigId } = await townWithRig('life');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const high = (await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'pager!' })).escalation;
    const low = (await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'quiet' })).escalation;
    await api.escalation.resolve.mutate({ townId, escalationId: high.id, by: 'ops' });
    await api.escalation.resolve.mutate({ townId, escalationId: low.id, by: 'ops' });
    await settle(townId);
    const resolved = (await outboxRows(townId)).filter((r) => r.type === 'escalation.resolved');
    const [resolvedEvent] = await allEvents({ townId, escalationId: high.id, types: ['escalation.resolved'] });
    expect(resolvedEvent?.data).toMatchObject({ by: 'ops', routedTo: ['mayor', 'webhook'] });
    expect(resolved.map((r) => [r.eventId, r.channel])).toEqual([
      [resolvedEvent?.id, 'mayor'],
      [resolvedEvent?.id, 'webhook'],
    ]);
    const hooks = (await receivedHooks(townId)).map((h) => JSON.parse(h.body));
    expect(hooks.map((h) => h.type)).toEqual(['escalation.raised', 'escalation.resolved']);
    expect(hooks[1].data.escalation).toMatchObject({ id: high.id, status: 'resolved', resolvedBy: 'ops' });
    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: high.id });
    expect(deliveries.filter((d) => d.type === 'escalation.resolved').map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });
});

describe('auto-resolve with convoys', () => {
  async function townWithConvoy() {
    const { townId, rigId } = await townWithRig('life');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'ship',
      beads: [
        { rigId, title: 'a' },
        { rigId, title: 'b' },
      ],
    });
    const [a, b] = convoy.beadIds as [string, string];
    const raise = (extra: { convoyId?: string; beadId?: string }) =>
      api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'medium', message: 'blocked', ...extra });
    return { townId, rigId, convoyId: convoy.id, a, b, raise };
  }

  it('resolves on a bead closing (with beadId) and on the convoy landing (the rest)', async () => {
    const { townId, rigId, convoyId, a, b, raise } = await townWithConvoy();
    const onBead = (await raise({ convoyId, beadId: a })).escalation;
    const onConvoy = (await raise({ convoyId })).escalation;
    const unrelated = (await raise({})).escalation;
    await api.rig.closeBead.mutate({ townId, rigId, beadId: a });
    await settle(townId);
    const get = (id: string) => api.escalation.get.query({ townId, escalationId: id });
    expect(await get(onBead.id)).toMatchObject({ status: 'resolved', resolvedBy: 'convoy', resolveReason: `bead ${a} closed` });
    expect(await get(onConvoy.id)).toMatchObject({ status: 'open' });
    await api.rig.closeBead.mutate({ townId, rigId, beadId: b });
    await settle(townId);
    expect((await api.convoy.get.query({ townId, convoyId })).status).toBe('landed');
    expect(await get(onConvoy.id)).toMatchObject({ status: 'resolved', resolvedBy: 'convoy', resolveReason: 'convoy landed' });
    expect(await get(unrelated.id)).toMatchObject({ status: 'open' });
  });

  it('resolves on the convoy being cancelled', async () => {
    const { townId, convoyId, raise } = await townWithConvoy();
    const { escalation } = await raise({ convoyId });
    await api.convoy.cancel.mutate({ townId, convoyId });
    const got = await api.escalation.get.query({ townId, escalationId: escalation.id });
    expect(got).toMatchObject({ status: 'resolved', resolveReason: 'convoy cancelled' });
  });

  it('an unknown convoyId or beadId is NOT_FOUND, a beadId without convoyId BAD_REQUEST; nothing written', async () => {
    const { townId, convoyId, raise } = await townWithConvoy();
    await expectTrpcError(raise({ convoyId: 'ghost' }), 'NOT_FOUND', /ghost/);
    await expectTrpcError(raise({ convoyId, beadId: 'ghost-bead' }), 'NOT_FOUND', /ghost-bead/);
    await expectTrpcError(raise({ beadId: 'ghost-bead' }), 'BAD_REQUEST', /beadId/);
    expect(await escalationsOf(townId)).toEqual([]);
  });
});
