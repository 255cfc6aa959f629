import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { groupFlushDueAtMs } from '../../server/escalations/grouping';
import { client, quietConsole, townStub } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxOf, outboxRows, settle, townWithRig } from '../town-helpers';

// Grouped notifications, with the clock moved by a fake Date (the alarm is run by `settle`).

const api = client();
const STORM = 50;

beforeEach(() => {
  quietConsole('log', 'warn');
  vi.spyOn(env.EMAIL, 'send');
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A town whose medium escalations go to every channel, grouping on (30 s wait, 300 s interval). */
async function groupedTown(routing: { staleAfterMinutes?: number; maxReEscalations?: number } = {}) {
  const town = await townWithRig('group');
  // The town's first webhook URL answers its own signing secret, once.
  const { signingSecret } = await api.escalation.setRouting.mutate({
    townId: town.townId,
    webhookUrl: hookUrl(town.townId),
    emailTo: 'oncall@example.com',
    routes: { medium: ['mayor', 'webhook', 'email'] },
    groupWaitSeconds: 30,
    groupIntervalSeconds: 300,
    ...routing,
  });
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.now();
  const at = async (ms: number) => {
    vi.setSystemTime(t0 + ms);
    await settle(town.townId);
  };
  const raise = (message: string, severity: 'medium' | 'high' | 'critical' = 'medium') =>
    api.escalation.raise.mutate({ townId: town.townId, sourceRigId: town.rigId, severity, message });
  if (!signingSecret) throw new Error('the town got no webhook signing secret');
  return { ...town, signingSecret, t0, at, raise };
}

describe('grouped notifications', () => {
  it(`${STORM} medium raises within the group wait: one notification per channel naming all ${STORM}`, async () => {
    const { townId, signingSecret, at, raise } = await groupedTown();
    const raised = [];
    for (let i = 0; i < STORM; i++) raised.push(await raise(`storm ${i}`));
    expect(raised.every((r) => r.routedTo.join() === 'mayor,webhook,email')).toBe(true);
    await at(29_000);
    expect(await outboxRows(townId)).toEqual([]); // held for the group wait
    await evictDurableObject(townStub(townId)); // held routings and the flush are rows: they survive
    await at(30_000);
    const rows = await outboxRows(townId);
    expect(rows.map((r) => [r.type, r.channel])).toEqual([
      ['escalation.group', 'mayor'],
      ['escalation.group', 'webhook'],
      ['escalation.group', 'email'],
    ]);
    const ids = raised.map((r) => r.escalation.id).sort();

    const [hook, ...moreHooks] = await receivedHooks(townId);
    expect(moreHooks).toEqual([]);
    const verified = new Webhook(signingSecret).verify(hook?.body ?? '', hook?.headers ?? {}) as {
      type: string;
      data: { count: number; escalations: { id: string }[] };
    };
    expect(verified.type).toBe('escalation.group');
    expect(verified.data.count).toBe(STORM);
    expect(verified.data.escalations.map((e) => e.id).sort()).toEqual(ids);

    const mail = (await api.mayor.mail.list.query({ townId })).items;
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toMatch(/50 escalations/);
    expect(env.EMAIL.send).toHaveBeenCalledTimes(1);
    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: raised[7]?.escalation.id ?? '' });
    expect(deliveries.map((d) => [d.type, d.channel, d.status]).sort()).toEqual([
      ['escalation.group', 'email', 'delivered'],
      ['escalation.group', 'mayor', 'delivered'],
      ['escalation.group', 'webhook', 'delivered'],
    ]);
  });

  it('never holds back critical; later ones wait for the group interval; one alone goes out as itself', async () => {
    const { townId, at, raise } = await groupedTown();
    const critical = await raise('on fire', 'critical');
    expect((await outboxRows(townId)).map((r) => r.type)).toEqual(['escalation.raised', 'escalation.raised', 'escalation.raised']);
    await raise('first');
    await raise('second');
    await at(30_000); // the first group goes out
    await at(40_000);
    const late = await raise('late');
    await at(329_000);
    const beforeInterval = await outboxRows(townId);
    expect(beforeInterval.filter((r) => JSON.stringify(r.payload).includes(late.escalation.id))).toEqual([]);
    await at(330_000); // last group + 300 s
    const rows = await outboxRows(townId);
    expect((await outboxOf(townId, late.escalation.id)).map((r) => r.type)).toEqual([
      'escalation.raised',
      'escalation.raised',
      'escalation.raised',
    ]);
    expect(rows.filter((r) => r.type === 'escalation.group')).toHaveLength(3);
    expect(await outboxOf(townId, critical.escalation.id)).toHaveLength(3);
  });

  it('batches a re-escalation bump inside the group interval too', async () => {
    const { townId, at, raise } = await groupedTown({ staleAfterMinutes: 1, maxReEscalations: 1 });
    const { escalation } = await raise('slow build');
    await at(30_000); // told alone at 30 s
    await at(60_000); // the bump to high is due, inside the interval
    const get = () => api.escalation.get.query({ townId, escalationId: escalation.id });
    expect(await get()).toMatchObject({ severity: 'high', reEscalationCount: 1 });
    expect((await outboxRows(townId)).filter((r) => r.type === 'escalation.reescalated')).toEqual([]);
    await at(330_000);
    const bumps = (await outboxRows(townId)).filter((r) => r.type === 'escalation.reescalated');
    expect(bumps).toHaveLength(3);
    expect(new Set(bumps.map((r) => r.eventId)).size).toBe(1); // one event, told on each channel
    expect(bumps[0]?.payload.data).toMatchObject({ escalation: { id: escalation.id, severity: 'high' } });
  });

  it('drops a held escalation that is resolved before its group goes out', async () => {
    const { townId, at, raise } = await groupedTown();
    const { escalation } = await raise('blip');
    await api.escalation.resolve.mutate({ townId, escalationId: escalation.id });
    await at(30_000);
    expect(await outboxRows(townId)).toEqual([]); // never told, so no resolved notice either
  });

  it('computes the flush time: wait after a quiet period, else the interval after the last group', () => {
    const settings = { groupWaitSeconds: 30, groupIntervalSeconds: 300 };
    expect(groupFlushDueAtMs(1_000_000, null, settings)).toBe(1_030_000);
    expect(groupFlushDueAtMs(1_000_000, 900_000, settings)).toBe(1_200_000);
    expect(groupFlushDueAtMs(1_000_000, 700_000, settings)).toBe(1_030_000);
  });
});
