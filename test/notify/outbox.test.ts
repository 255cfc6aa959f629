import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openTownDb } from '../../server/core/town-db';
import { enqueueNotification } from '../../server/notify/outbox';
import { client, townStub } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle, townWithRig } from '../town-helpers';

const api = client();

/** Enqueues a notification inside the town's DO, as another module (e.g. convoys) would. */
function enqueue(townId: string, notification: Parameters<typeof enqueueNotification>[1]) {
  return runInDurableObject(townStub(townId), async (_i, state) => {
    const ctx = { db: await openTownDb(state.storage), env, townId, now: () => new Date() };
    return ctx.db.transaction(() => enqueueNotification(ctx, notification));
  });
}

describe('outbox contract', () => {
  it('drops channels the town has not configured, so nothing retries for a missing endpoint', async () => {
    const { townId } = await townWithRig('outbox');
    await enqueue(townId, {
      eventId: 'convoy-1-landed',
      type: 'convoy.landed',
      data: { convoyId: 'c1' },
      channels: ['mayor', 'webhook', 'email'],
    });
    expect((await outboxRows(townId)).map((r) => r.channel)).toEqual(['mayor']);
  });

  it('keeps configured channels, one row per event and channel however often it is enqueued', async () => {
    const { townId } = await townWithRig('outbox');
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
    const notification = {
      eventId: 'convoy-2-landed',
      type: 'convoy.landed',
      data: { convoyId: 'c2' },
      channels: ['mayor', 'webhook'] as const,
    };
    await enqueue(townId, notification);
    await enqueue(townId, notification);
    expect((await outboxRows(townId)).map((r) => r.channel).sort()).toEqual(['mayor', 'webhook']);

    await api.rig.list.query({ townId }); // any call re-arms the alarm for the enqueued deliveries
    await settle(townId);
    const hooks = await receivedHooks(townId);
    expect(hooks.map((h) => h.headers['webhook-id'])).toEqual(['convoy-2-landed']);
    expect(JSON.parse(hooks[0]?.body ?? '{}')).toMatchObject({ type: 'convoy.landed', data: { convoyId: 'c2' } });
    const mail = (await api.mayor.mail.list.query({ townId })).items;
    expect(mail).toMatchObject([{ id: 'convoy-2-landed', type: 'convoy.landed', subject: `[town ${townId}] convoy.landed` }]);
    expect(mail[0]?.body).toContain('convoyId: c2');
  });
});
