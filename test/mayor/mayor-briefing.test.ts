import { describe, expect, it, vi } from 'vitest';
import { beadsFor } from '../convoys/convoy-helpers';
import { client, newTownId } from '../helpers';
import { drainRigAlarm, rigWithBeads } from '../rigs/work-loop-helpers';
import { settle } from '../town-helpers';

const api = client();

describe('mayor.briefing', () => {
  it('gives rigs with health, active convoys with progress, unacknowledged escalations and unread mail in one call', async () => {
    const townId = newTownId('briefing');
    const alpha = await api.rig.register.mutate({ townId, name: 'alpha' });
    const beta = await api.rig.register.mutate({ townId, name: 'beta' });
    await api.watchdog.heartbeat.mutate({ townId });

    const active = await api.convoy.create.mutate({
      townId,
      title: 'half done',
      beads: [...beadsFor(alpha.id, 1), ...beadsFor(beta.id, 1)],
    });
    await api.rig.closeBead.mutate({ townId, rigId: alpha.id, beadId: active.beadIds[0] as string });
    const landed = await api.convoy.create.mutate({ townId, title: 'done', beads: beadsFor(beta.id, 1) });
    await api.rig.closeBead.mutate({ townId, rigId: beta.id, beadId: landed.beadIds[0] as string });

    const open = await api.escalation.raise.mutate({ townId, sourceRigId: alpha.id, severity: 'medium', message: 'tests flaky' });
    const acked = await api.escalation.raise.mutate({ townId, sourceRigId: beta.id, severity: 'low', message: 'noted' });
    await api.escalation.acknowledge.mutate({ townId, escalationId: acked.escalation.id, by: 'ops' });
    // Resolved without being acknowledged: not waiting for anyone either.
    const resolved = await api.escalation.raise.mutate({ townId, sourceRigId: beta.id, severity: 'low', message: 'gone' });
    await api.escalation.resolve.mutate({ townId, escalationId: resolved.escalation.id });
    await settle(townId); // deliver the Mayor's mail

    const mail = await api.mayor.mail.list.query({ townId });
    const readOne = mail.items.find((m) => m.type === 'convoy.landed');
    expect(readOne).toBeDefined();
    await api.mayor.mail.markRead.mutate({ townId, mailId: readOne?.id as string });

    const briefing = await api.mayor.briefing.query({ townId });
    expect(briefing.townId).toBe(townId);
    expect(briefing.rigs.map((r) => [r.name, r.health?.status])).toEqual([
      ['alpha', 'healthy'],
      ['beta', 'healthy'],
    ]);
    expect(briefing.container).toMatchObject({ kind: 'container', status: 'unavailable' });
    expect(briefing.nextHeartbeatAt).toEqual(expect.any(String));
    expect(briefing.activeConvoys).toEqual({
      items: [
        expect.objectContaining({
          id: active.id,
          closedBeads: 1,
          totalBeads: 2,
          progress: 0.5,
          rigs: [
            { rigId: alpha.id, totalBeads: 1, closedBeads: 1, doneBeads: 1, failedBeads: 0, skippedBeads: 0 },
            { rigId: beta.id, totalBeads: 1, closedBeads: 0, doneBeads: 0, failedBeads: 0, skippedBeads: 0 },
          ].sort((a, b) => a.rigId.localeCompare(b.rigId)),
        }),
      ],
      more: false,
    });
    expect(briefing.unacknowledgedEscalations.items.map((e) => e.id)).toEqual([open.escalation.id]);
    const unread = briefing.unreadMail.items;
    expect(unread.map((m) => m.type)).toEqual(['escalation.raised']);
    expect(unread.every((m) => !m.read)).toBe(true);
  });

  it('answers for an empty town', async () => {
    const townId = newTownId('briefing-empty');
    const briefing = await api.mayor.briefing.query({ townId });
    expect(briefing).toMatchObject({
      rigs: [],
      container: null,
      nextHeartbeatAt: null,
      activeConvoys: { items: [], more: false },
      failedConvoys: { items: [], more: false },
      strandedConvoys: [],
      openBreakers: [],
      townPause: { paused: false, pauseReason: null, pausedAt: null, pauses: [] },
      pausedConvoys: [],
      unacknowledgedEscalations: { items: [], more: false },
      unreadMail: { items: [], more: false },
    });
  });

  it('lists failed convoys, stranded convoys and open breakers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const t0 = Date.parse('2034-01-01T00:00:00Z');
      vi.setSystemTime(t0);
      const { ref, convoy, beadIds } = await rigWithBeads(1, { maxAttempts: 1 });
      const { townId } = ref;
      await api.town.setSettings.mutate({ townId, breakerFailures: 1 });
      const stuck = await api.convoy.create.mutate({ townId, title: 'stuck', beads: [{ rigId: ref.rigId, title: 'idle' }] });
      await api.rig.claimBead.mutate({ ...ref, agentId: 'a' });
      await api.rig.closeBead.mutate({ ...ref, beadId: beadIds[0] as string, agentId: 'a', outcome: 'failed' });
      vi.setSystemTime(t0 + 61 * 60_000);
      await drainRigAlarm(townId, ref.rigId);
      await settle(townId);
      const briefing = await api.mayor.briefing.query({ townId });
      expect(briefing.failedConvoys.items.map((c) => c.id)).toEqual([convoy.id]);
      expect(briefing.strandedConvoys).toEqual([
        { convoyId: stuck.id, title: 'stuck', escalationId: expect.any(String), since: expect.any(String) },
      ]);
      expect(briefing.openBreakers).toEqual([
        { rigId: ref.rigId, name: 'worker', state: 'open', openedAt: new Date(t0).toISOString(), reopensAt: expect.any(String) },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the town pause and the paused convoys', async () => {
    const { ref, convoy } = await rigWithBeads(1);
    const { townId } = ref;
    await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'freeze' });
    await api.town.pause.mutate({ townId, reason: 'incident' });
    const briefing = await api.mayor.briefing.query({ townId });
    expect(briefing.townPause).toMatchObject({ paused: true, pauseReason: 'incident' });
    expect(briefing.pausedConvoys).toEqual([
      {
        convoyId: convoy.id,
        title: 'work',
        pausedAt: expect.any(String),
        pauseReason: 'freeze',
        pauses: [expect.objectContaining({ cause: 'manual' })],
      },
    ]);
  });
});
