import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IncomingMail } from '../../server/mayor/mailbox';
import { client, expectTrpcError, newTownId } from '../helpers';

const api = client();
const mayor = (townId: string) => env.MAYOR.get(env.MAYOR.idFromName(townId));
const letter = (id: string, subject = `subject ${id}`): IncomingMail => ({
  id,
  type: 'escalation.raised',
  subject,
  body: `body of ${id}`,
  data: { escalationId: id, nested: { n: 1 } },
  sentAt: new Date().toISOString(),
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the Mayor's mailbox", () => {
  it('receives a mail once per id: redelivery keeps the first', async () => {
    const townId = newTownId('mayor');
    const first = await mayor(townId).receiveMail(letter('evt-1'));
    expect(first).toMatchObject({ ok: true, value: { created: true, mail: { id: 'evt-1', read: false, data: { nested: { n: 1 } } } } });
    const again = await mayor(townId).receiveMail(letter('evt-1', 'a changed subject'));
    expect(again).toMatchObject({ ok: true, value: { created: false, mail: { subject: 'subject evt-1' } } });
    const { items } = await api.mayor.mail.list.query({ townId });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: 'evt-1', subject: 'subject evt-1', body: 'body of evt-1', readAt: null });
  });

  it('keeps its mail, and its read marks, across eviction; a redelivery after it is still kept once', async () => {
    const townId = newTownId('mayor');
    await mayor(townId).receiveMail(letter('evt-e'));
    await api.mayor.mail.markRead.mutate({ townId, mailId: 'evt-e' });
    await evictDurableObject(mayor(townId));
    expect(await mayor(townId).receiveMail(letter('evt-e'))).toMatchObject({ ok: true, value: { created: false } });
    const { items } = await api.mayor.mail.list.query({ townId });
    expect(items).toEqual([expect.objectContaining({ id: 'evt-e', read: true })]);
  });

  it('lists newest first in pages, filters unread, and marks read once', async () => {
    const townId = newTownId('mayor');
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      vi.setSystemTime(start + i * 1_000);
      await mayor(townId).receiveMail(letter(id));
    }
    const page1 = await api.mayor.mail.list.query({ townId, limit: 2 });
    const page2 = await api.mayor.mail.list.query({ townId, limit: 2, cursor: page1.nextCursor ?? '' });
    expect([...page1.items, ...page2.items].map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(page2.nextCursor).toBeNull();

    vi.setSystemTime(start + 10_000);
    const read = await api.mayor.mail.markRead.mutate({ townId, mailId: 'b' });
    expect(read).toMatchObject({ id: 'b', read: true, readAt: new Date(start + 10_000).toISOString() });
    vi.setSystemTime(start + 20_000);
    expect(await api.mayor.mail.markRead.mutate({ townId, mailId: 'b' })).toEqual(read);
    expect((await api.mayor.mail.list.query({ townId, unread: true })).items.map((m) => m.id)).toEqual(['c', 'a']);
  });

  it('answers NOT_FOUND for an unknown mail and BAD_REQUEST for bad input', async () => {
    const townId = newTownId('mayor');
    await expectTrpcError(api.mayor.mail.markRead.mutate({ townId, mailId: 'nope' }), 'NOT_FOUND', /nope/);
    await expectTrpcError(api.mayor.mail.list.query({ townId: 'bad town!' }), 'BAD_REQUEST', /townId/);
    await expectTrpcError(api.mayor.mail.markRead.mutate({ townId, mailId: '' }), 'BAD_REQUEST', /mailId/);
  });

  it('keeps one mailbox per town', async () => {
    const [a, b] = [newTownId('mayor'), newTownId('mayor')];
    await mayor(a).receiveMail(letter('only-in-a'));
    expect((await api.mayor.mail.list.query({ townId: b })).items).toEqual([]);
  });
});
