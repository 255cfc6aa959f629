import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { client, routingEventIds, townStub } from '../helpers';
import { settle, townWithRig } from '../town-helpers';

// Re-escalation driven by the TownDO's one alarm, with the clock moved by a fake Date.

const api = client();
const HOUR_MS = 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

/** A town with a rig, and an escalation raised at the (frozen) current time T0. */
async function raisedAt(
  severity: 'low' | 'medium' | 'high' | 'critical',
  routing: { maxReEscalations?: number; staleAfterMinutes?: number } = {},
) {
  const town = await townWithRig('reesc');
  if (Object.keys(routing).length) await api.escalation.setRouting.mutate({ townId: town.townId, ...routing });
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.now();
  const { escalation } = await api.escalation.raise.mutate({ townId: town.townId, sourceRigId: town.rigId, severity, message: 'stuck' });
  await settle(town.townId);
  /** Sets the clock to T0 + `ms` and runs the alarm (as often as work is due). */
  const at = async (ms: number) => {
    vi.setSystemTime(t0 + ms);
    await settle(town.townId);
    return api.escalation.get.query({ townId: town.townId, escalationId: escalation.id });
  };
  return { ...town, escalation, at };
}

describe('re-escalation', () => {
  it('bumps once at 4 h, not again at 5 h, and again at 8 h, routing each bump at its new severity', async () => {
    const { townId, escalation, at } = await raisedAt('low');
    expect(await at(4 * HOUR_MS - 60_000)).toMatchObject({ severity: 'low', reEscalationCount: 0 });

    // The alarm is armed for the bump, and a run at 4 h consumes it.
    vi.setSystemTime(Date.parse(escalation.createdAt) + 4 * HOUR_MS);
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    await settle(townId);
    const once = await api.escalation.get.query({ townId, escalationId: escalation.id });
    expect(once).toMatchObject({
      severity: 'medium',
      originalSeverity: 'low',
      reEscalationCount: 1,
      lastReEscalatedAt: new Date(Date.now()).toISOString(),
    });

    expect(await at(5 * HOUR_MS)).toEqual(once);
    expect(await at(8 * HOUR_MS)).toMatchObject({ severity: 'high', originalSeverity: 'low', reEscalationCount: 2 });

    // Low was logged only; the bump to medium mailed the Mayor, the bump to high too.
    const mail = (await api.mayor.mail.list.query({ townId })).items;
    const [, bump1, bump2] = await routingEventIds(townId, escalation.id);
    expect(mail.map((m) => [m.id, m.type])).toEqual([
      [bump2, 'escalation.reescalated'],
      [bump1, 'escalation.reescalated'],
    ]);
    expect(mail[1]?.subject).toContain('Re-escalated to MEDIUM (raised as low');
  });

  it('never moves an acknowledged escalation', async () => {
    const { townId, escalation, at } = await raisedAt('medium');
    await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id });
    expect(await at(30 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 0, acknowledged: true });
  });

  it('stops at the configured cap', async () => {
    const { at } = await raisedAt('low', { maxReEscalations: 1 });
    expect(await at(4 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
    expect(await at(9 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
    expect(await at(40 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
  });

  it('stops at the default cap of 3 bumps', async () => {
    const { at } = await raisedAt('low', { staleAfterMinutes: 60 });
    expect(await at(1 * HOUR_MS)).toMatchObject({ severity: 'medium', reEscalationCount: 1 });
    expect(await at(2 * HOUR_MS)).toMatchObject({ severity: 'high', reEscalationCount: 2 });
    expect(await at(3 * HOUR_MS)).toMatchObject({ severity: 'critical', reEscalationCount: 3 });
    expect(await at(10 * HOUR_MS)).toMatchObject({ severity: 'critical', reEscalationCount: 3 });
  });

  it('keeps critical at critical', async () => {
    const critical = await raisedAt('critical');
    expect(await critical.at(20 * HOUR_MS)).toMatchObject({ severity: 'critical', reEscalationCount: 0 });
    vi.useRealTimers();
    const high = await raisedAt('high');
    expect(await high.at(4 * HOUR_MS)).toMatchObject({ severity: 'critical', originalSeverity: 'high', reEscalationCount: 1 });
    expect(await high.at(20 * HOUR_MS)).toMatchObject({ severity: 'critical', reEscalationCount: 1 });
  });
});
