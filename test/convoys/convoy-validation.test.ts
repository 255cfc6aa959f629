import { describe, expect, it } from 'vitest';
import { CONVOY_BEADS_PER_CALL_MAX } from '../../server/convoys/convoy.router';
import { MAX_PAGE_SIZE } from '../../server/core/pagination';
import { allRigBeads, expectTrpcError } from '../helpers';
import { api, beadsFor, townTasks, townWithRigs } from './convoy-helpers';

describe('convoy input validation', () => {
  it('rejects each bad create field with BAD_REQUEST naming it, and writes nothing', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const alpha = rigs.alpha;
    const good = { townId, title: 'ok', beads: beadsFor(alpha, 1) };
    const cases: [string, Record<string, unknown>][] = [
      ['title', { ...good, title: '' }],
      ['title', { ...good, title: '   ' }],
      ['title', { ...good, title: 'x'.repeat(201) }],
      ['title', { townId, beads: good.beads }],
      ['beads', { ...good, beads: [] }],
      ['beads', { ...good, beads: beadsFor(alpha, CONVOY_BEADS_PER_CALL_MAX + 1) }],
      ['beads.0.rigId', { ...good, beads: [{ rigId: '', title: 't' }] }],
      ['beads.0.title', { ...good, beads: [{ rigId: alpha, title: '' }] }],
      ['beads.0.body', { ...good, beads: [{ rigId: alpha, title: 't', body: 'x'.repeat(10_001) }] }],
      ['beads.0', { ...good, beads: [{ rigId: alpha, title: 't', priority: 1 }] }],
      ['createdBy', { ...good, createdBy: '' }],
      ['idempotencyKey', { ...good, idempotencyKey: '' }],
      ['townId', { ...good, townId: 'not a town!' }],
      ['(input)', { ...good, extra: true }],
    ];
    for (const [field, input] of cases) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed input
      const error = await expectTrpcError(api.convoy.create.mutate(input as any), 'BAD_REQUEST');
      expect(error.message, JSON.stringify(input).slice(0, 80)).toContain(field);
    }
    expect((await api.convoy.list.query({ townId })).items).toEqual([]);
    expect(await allRigBeads({ townId, rigId: alpha })).toEqual([]);
    expect(await townTasks(townId)).toEqual([]);
  });

  it('rejects bad fields of the other convoy procedures', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const {
      beadIds: _ids,
      newWatchers: _none,
      ...convoy
    } = await api.convoy.create.mutate({ townId, title: 'c', beads: beadsFor(rigs.alpha, 1) });
    const convoyId = convoy.id;
    // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed input
    const bad = (call: (input: any) => Promise<unknown>, input: unknown, field: string) =>
      expectTrpcError(call(input), 'BAD_REQUEST', new RegExp(field.replace('.', '\\.')));
    await bad(api.convoy.addBeads.mutate, { townId, convoyId, beads: [] }, 'beads');
    await bad(api.convoy.addBeads.mutate, { townId, convoyId: '', beads: beadsFor(rigs.alpha, 1) }, 'convoyId');
    await bad(api.convoy.beadClosed.mutate, { townId, convoyId, beadId: '' }, 'beadId');
    await bad(api.convoy.cancel.mutate, { townId, convoyId: 'x'.repeat(129) }, 'convoyId');
    await bad(api.convoy.get.query, { townId }, 'convoyId');
    await bad(api.convoy.beads.query, { townId, convoyId, limit: MAX_PAGE_SIZE + 1 }, 'limit');
    await bad(api.convoy.beads.query, { townId, convoyId, status: 'in_progress' }, 'status');
    await bad(api.convoy.beads.query, { townId, convoyId, cursor: 'garbage' }, 'cursor');
    await bad(api.convoy.list.query, { townId, limit: 0 }, 'limit');
    await bad(api.convoy.list.query, { townId, limit: MAX_PAGE_SIZE + 1 }, 'limit');
    await bad(api.convoy.list.query, { townId, limit: 1.5 }, 'limit');
    await bad(api.convoy.list.query, { townId, status: 'done' }, 'status');
    await bad(api.convoy.list.query, { townId, cursor: 'garbage' }, 'cursor');
    await bad(api.convoy.list.query, { townId, cursor: btoa('{"a":1}') }, 'cursor');
    await bad(api.rig.beads.query, { townId, rigId: rigs.alpha, status: 'done' }, 'status');
    await bad(api.rig.closeBead.mutate, { townId, rigId: rigs.alpha, beadId: '' }, 'beadId');
    expect(await api.convoy.get.query({ townId, convoyId })).toEqual(convoy);
  });

  it('answers NOT_FOUND for unknown rigs, convoys and beads, and writes nothing', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const alpha = rigs.alpha;
    await expectTrpcError(
      api.convoy.create.mutate({ townId, title: 'x', beads: [...beadsFor(alpha, 2), { rigId: 'ghost-rig', title: 'y' }] }),
      'NOT_FOUND',
      /ghost-rig/,
    );
    expect((await api.convoy.list.query({ townId })).items).toEqual([]);
    expect(await allRigBeads({ townId, rigId: alpha })).toEqual([]);
    expect(await townTasks(townId)).toEqual([]);

    const { beadIds, newWatchers: _none, ...convoy } = await api.convoy.create.mutate({ townId, title: 'real', beads: beadsFor(alpha, 1) });
    const beadId = beadIds[0] as string;
    await expectTrpcError(
      api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: [{ rigId: 'ghost-rig', title: 'y' }] }),
      'NOT_FOUND',
    );
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toEqual(convoy);
    // Thunks, run one at a time: each call starts only when awaited.
    for (const call of [
      () => api.convoy.get.query({ townId, convoyId: 'nope' }),
      () => api.convoy.beads.query({ townId, convoyId: 'nope' }),
      () => api.convoy.cancel.mutate({ townId, convoyId: 'nope' }),
      () => api.convoy.addBeads.mutate({ townId, convoyId: 'nope', beads: beadsFor(alpha, 1) }),
      () => api.convoy.beadClosed.mutate({ townId, convoyId: 'nope', beadId }),
      () => api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: 'nope' }),
      () => allRigBeads({ townId, rigId: 'nope' }),
      () => api.rig.closeBead.mutate({ townId, rigId: 'nope', beadId }),
      () => api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: 'nope' }),
    ]) {
      await expectTrpcError(call(), 'NOT_FOUND', /nope/);
    }
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toEqual(convoy);
    expect((await allRigBeads({ townId, rigId: alpha })).map((b) => b.status)).toEqual(['open']);
  });
});
