import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyWatchers } from '../../server/convoys/watchers';
import { devSigningSecret, expectTrpcError, quietConsole, withTownDb } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle } from '../town-helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

// Watchers are told of their convoy's landing, cancel and due-date risk through the outbox, once each,
// whatever the escalation routing says; each webhook watcher's deliveries are signed with its own
// secret (verified with `standardwebhooks`, as a receiver would), never with the town's.

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

type Hook = { headers: Record<string, string>; body: string };
const verifies = (secret: string, hook: Hook | undefined) => {
  if (!hook) throw new Error('no webhook was received');
  try {
    new Webhook(secret).verify(hook.body, hook.headers);
    return true;
  } catch {
    return false;
  }
};
const typesOf = async (name: string) => (await receivedHooks(name)).map((h) => (JSON.parse(h.body) as { type: string }).type);

async function watchedTown(beads = 2) {
  quietConsole('log', 'warn');
  const { townId, rigs } = await townWithRigs('alpha');
  const town = await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(`town-${townId}`) });
  const convoy = await api.convoy.create.mutate({ townId, title: 'Watched', beads: beadsFor(rigs.alpha, beads) });
  const closeAll = async () => {
    for (const beadId of convoy.beadIds) await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId });
  };
  return { townId, rigId: rigs.alpha, convoy, townSecret: town.signingSecret ?? '', closeAll };
}

describe('convoy watchers', () => {
  it("a webhook watcher hears of the landing once, signed with its own secret and not with the town's", async () => {
    const { townId, convoy, townSecret, closeAll } = await watchedTown();
    const name = `watcher-${townId}`;
    const watch = await api.convoy.watch.mutate({ townId, convoyId: convoy.id, webhookUrl: hookUrl(name) });
    expect(watch.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(watch.signingSecret).not.toBe(townSecret);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).watchers).toBe(1);

    await closeAll();
    await settle(townId);
    await settle(townId);
    const [hook, ...more] = await receivedHooks(name);
    expect(more).toEqual([]);
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ type: 'convoy.landed', data: { id: convoy.id, status: 'landed' } });
    expect(hook?.headers['webhook-signature']).toMatch(/^v1,[^ ]+$/);
    expect(verifies(watch.signingSecret ?? '', hook)).toBe(true);
    expect(verifies(townSecret, hook)).toBe(false);
    expect(verifies(devSigningSecret(), hook)).toBe(false);
    // The town's own webhook got the landing too, signed with the town's secret only.
    const [townHook] = await receivedHooks(`town-${townId}`);
    expect(verifies(townSecret, townHook)).toBe(true);
    expect(verifies(watch.signingSecret ?? '', townHook)).toBe(false);
    expect(hook?.headers['webhook-id']).toBe(townHook?.headers['webhook-id']);

    // The same event told again is the same outbox row: nothing more is sent.
    const row = (await outboxRows(townId)).find((r) => r.watcherId === watch.watcherId);
    expect(row?.id).toBe(`${row?.eventId}:watcher:${watch.watcherId}`);
    await withTownDb(townId, (db) => {
      const ctx = { db, env, townId, now: () => new Date() };
      notifyWatchers(ctx, { id: convoy.id, watchers: 1 }, { eventId: row?.eventId ?? '', type: 'convoy.landed', data: {} });
    });
    await settle(townId);
    expect(await receivedHooks(name)).toHaveLength(1);
    expect((await outboxRows(townId)).filter((r) => r.watcherId)).toHaveLength(1);
  });

  it('hears of cancels and of due-date risk, whatever the routing says; watchers given to convoy.create get their secrets once', async () => {
    quietConsole('log', 'warn');
    vi.useFakeTimers({ toFake: ['Date'] });
    const T0 = Date.now();
    const { townId, rigs } = await townWithRigs('alpha');
    // No town channel at all for medium or high: watchers are told anyway.
    await api.escalation.setRouting.mutate({ townId, routes: { medium: [], high: [] } });
    const name = `created-${townId}`;
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'Due soon',
      beads: beadsFor(rigs.alpha, 10),
      dueAt: new Date(T0 + 3_600_000).toISOString(),
      watchers: [{ webhookUrl: hookUrl(name) }],
    });
    const [created] = convoy.newWatchers;
    expect(created?.signingSecret).toMatch(/^whsec_/);
    expect(convoy.watchers).toBe(1);
    const again = await api.convoy.watchers.query({ townId, convoyId: convoy.id });
    expect(again.items).toMatchObject([{ id: created?.watcherId, kind: 'webhook', webhookUrl: hookUrl(name), email: null }]);
    expect(JSON.stringify(again)).not.toContain((created?.signingSecret ?? '').slice('whsec_'.length));

    vi.setSystemTime(T0 + 3_600_000 + 1);
    await api.watchdog.heartbeat.mutate({ townId }); // past the date: off_track
    await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    await settle(townId);
    expect(await typesOf(name)).toEqual(['convoy.at_risk', 'convoy.cancelled']);
    const hooks = await receivedHooks(name);
    expect(JSON.parse(hooks[0]?.body ?? '{}')).toMatchObject({ data: { id: convoy.id, health: 'off_track' } });
    expect(hooks.every((h) => verifies(created?.signingSecret ?? '', h))).toBe(true);
  });

  it('at most 20 watchers; unwatch stops deliveries, even one already enqueued', async () => {
    const { townId, convoy, closeAll } = await watchedTown();
    const watched = [];
    for (let i = 0; i < 20; i++) {
      watched.push(await api.convoy.watch.mutate({ townId, convoyId: convoy.id, webhookUrl: hookUrl(`cap-${i}-${townId}`) }));
    }
    await expectTrpcError(api.convoy.watch.mutate({ townId, convoyId: convoy.id, webhookUrl: hookUrl('one-more') }), 'CONFLICT', /20/);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).watchers).toBe(20);
    expect((await api.convoy.watchers.query({ townId, convoyId: convoy.id })).items).toHaveLength(20);

    // Watcher 0 leaves before the landing; watcher 1 after it was enqueued, before it was sent.
    await api.convoy.unwatch.mutate({ townId, convoyId: convoy.id, watcherId: watched[0]?.watcherId ?? '' });
    await closeAll();
    await api.convoy.unwatch.mutate({ townId, convoyId: convoy.id, watcherId: watched[1]?.watcherId ?? '' });
    await settle(townId);
    expect(await receivedHooks(`cap-0-${townId}`)).toEqual([]);
    expect(await receivedHooks(`cap-1-${townId}`)).toEqual([]);
    expect(await typesOf(`cap-2-${townId}`)).toEqual(['convoy.landed']);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).watchers).toBe(18);
    await expectTrpcError(api.convoy.unwatch.mutate({ townId, convoyId: convoy.id, watcherId: watched[0]?.watcherId ?? '' }), 'NOT_FOUND');
  });

  it("email watchers: only at the town's email domain, and they are mailed", async () => {
    const { townId, convoy, closeAll } = await watchedTown();
    await expectTrpcError(api.convoy.watch.mutate({ townId, convoyId: convoy.id, email: 'lead@example.com' }), 'BAD_REQUEST', /email/);
    await api.escalation.setRouting.mutate({ townId, emailTo: 'ops@example.com' });
    await expectTrpcError(
      api.convoy.watch.mutate({ townId, convoyId: convoy.id, email: 'me@elsewhere.test' }),
      'BAD_REQUEST',
      /example\.com/,
    );
    const watch = await api.convoy.watch.mutate({ townId, convoyId: convoy.id, email: 'lead@EXAMPLE.com' });
    expect(watch).not.toHaveProperty('signingSecret');
    const send = vi.spyOn(env.EMAIL, 'send');
    await closeAll();
    await settle(townId);
    const recipients = send.mock.calls.map(([message]) => (message as { to: string }).to);
    expect(recipients.filter((to) => to === 'lead@EXAMPLE.com')).toHaveLength(1);
  });

  it('input: exactly one of webhookUrl and email; unknown convoy NOT_FOUND', async () => {
    const { townId, rigId, convoy } = await watchedTown();
    const neither = { townId, convoyId: convoy.id } as never;
    const both = { townId, convoyId: convoy.id, webhookUrl: hookUrl('x'), email: 'a@example.com' } as never;
    await expectTrpcError(api.convoy.watch.mutate(neither), 'BAD_REQUEST', /exactly one of webhookUrl and email/);
    await expectTrpcError(api.convoy.watch.mutate(both), 'BAD_REQUEST', /exactly one of webhookUrl and email/);
    const twoInOne = [{ webhookUrl: hookUrl('x'), email: 'a@example.com' }] as never;
    const create = api.convoy.create.mutate({ townId, title: 't', beads: [{ rigId, title: 'b' }], watchers: twoInOne });
    await expectTrpcError(create, 'BAD_REQUEST', /watchers\.0\.webhookUrl: give exactly one/);
    await expectTrpcError(api.convoy.watch.mutate({ townId, convoyId: crypto.randomUUID(), webhookUrl: hookUrl('x') }), 'NOT_FOUND');
    await expectTrpcError(api.convoy.watchers.query({ townId, convoyId: crypto.randomUUID() }), 'NOT_FOUND');
  });
});
