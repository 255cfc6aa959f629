import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOUR_MS } from '../../server/core/time';
import { client, newTownId, quietConsole } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle } from '../town-helpers';
import { escalationsOf, setRigHealth } from '../watchdog/watchdog-helpers';

// The documented notification ids (docs/guarantees.md: "At-least-once delivery, with dedup ids"): each
// is the id of the event-log event that caused it, 16 digits. Pinned with a literal format and against
// what `event.list` shows, rather than the server's own id functions, so changing a format fails here.
// Every pin lives in this file. Each id is checked where receivers see it: the outbox row, the Mayor
// mail's id, the `webhook-id` header.

const api = client();

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A town with one rig and a webhook, so each event goes to the Mayor and the webhook. */
async function townWithWebhook(label: string) {
  const townId = newTownId(label);
  const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
  await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
  return { townId, rig };
}

const EVENT_ID = /^\d{16}$/;

/** The ids of the town's events of `type`, as `event.list` shows them (each one a 16-digit id). */
async function eventIds(townId: string, type: string): Promise<string[]> {
  const { items } = await api.event.list.query({ townId, limit: 200 });
  const ids = items.filter((e) => e.type === type).map((e) => e.id);
  for (const id of ids) expect(id).toMatch(EVENT_ID);
  return ids.sort();
}

/** The ids a receiver sees for `type`: outbox event ids, Mayor mail ids, webhook-id headers (after delivery). */
async function idsSeen(townId: string, type: string) {
  await settle(townId);
  const outbox = (await outboxRows(townId)).filter((row) => row.type === type);
  const mail = (await api.mayor.mail.list.query({ townId })).items.filter((m) => m.type === type);
  const hooks = (await receivedHooks(townId)).filter((h) => JSON.parse(h.body).type === type);
  return {
    outbox: [...new Set(outbox.map((row) => row.eventId))].sort(),
    mayor: mail.map((m) => m.id).sort(),
    webhook: hooks.map((h) => h.headers['webhook-id']).sort(),
  };
}

describe('notification ids are the ids of the events that caused them', () => {
  it('convoy.landed: the landing event, a new one when a reopened convoy lands again', async () => {
    const { townId, rig } = await townWithWebhook('ids-convoy');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'c',
      beads: [
        { rigId: rig.id, title: 'a' },
        { rigId: rig.id, title: 'b' },
      ],
    });
    for (const beadId of convoy.beadIds) await api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId });
    const [first] = await eventIds(townId, 'convoy.landed');
    expect(first).toMatch(EVENT_ID);
    expect(await idsSeen(townId, 'convoy.landed')).toEqual({ outbox: [first], mayor: [first], webhook: [first] });

    const { beadIds: added } = await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: [{ rigId: rig.id, title: 'c' }] });
    await api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: added[0] ?? '' });
    const both = await eventIds(townId, 'convoy.landed');
    expect(both).toHaveLength(2);
    expect(both).toContain(first);
    expect(await idsSeen(townId, 'convoy.landed')).toEqual({ outbox: both, mayor: both, webhook: both });
  });

  it('escalation.raised and escalation.reescalated: each its own event', async () => {
    const { townId, rig } = await townWithWebhook('ids-esc');
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'high', message: 'stuck' });
    expect(escalation).toMatchObject({ severity: 'high', status: 'open', sourceRigId: rig.id, occurrences: 1 });
    const [raised] = await eventIds(townId, 'escalation.raised');
    expect(await idsSeen(townId, 'escalation.raised')).toEqual({ outbox: [raised], mayor: [raised], webhook: [raised] });

    vi.setSystemTime(t0 + 4 * HOUR_MS); // the default stale threshold: high → critical
    await settle(townId);
    const [bumped] = await eventIds(townId, 'escalation.reescalated');
    expect(bumped).not.toBe(raised);
    expect(await idsSeen(townId, 'escalation.reescalated')).toEqual({ outbox: [bumped], mayor: [bumped], webhook: [bumped] });
  });

  it('watchdog.recovered: the recovery event', async () => {
    const { townId, rig } = await townWithWebhook('ids-wd');
    await setRigHealth(rig.rigDoId, 'throw');
    await api.watchdog.heartbeat.mutate({ townId });
    await api.watchdog.heartbeat.mutate({ townId });
    const [escalation] = await escalationsOf(townId);
    await setRigHealth(rig.rigDoId, 'heal');
    await api.watchdog.heartbeat.mutate({ townId });
    expect(escalation).toBeDefined();
    const [recovered] = await eventIds(townId, 'watchdog.recovered');
    expect(await idsSeen(townId, 'watchdog.recovered')).toEqual({ outbox: [recovered], mayor: [recovered], webhook: [recovered] });
  });
});
