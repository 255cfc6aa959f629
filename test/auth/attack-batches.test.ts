import { exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { BATCH_MAX_QUERIES } from '../../server/batch-limit';
import { client, newTownId } from '../helpers';
import { dumpTown } from '../town-dump';

// Finding 8 of the attacker's run: batches were unbounded (one GET ran 300 `rig.list` calls, one POST
// ran 20 `escalation.raise`). At most BATCH_MAX_QUERIES (20) queries per batched request; a mutation
// travels alone; more is BAD_REQUEST naming the limit, before anything runs.

const headers = { authorization: 'Bearer dev-token', 'content-type': 'application/json' };

function batch(method: 'GET' | 'POST', path: string, count: number, input: unknown) {
  const paths = Array.from({ length: count }, () => path).join(',');
  const inputs = Object.fromEntries(Array.from({ length: count }, (_, i) => [i, input]));
  const query = method === 'GET' ? `&input=${encodeURIComponent(JSON.stringify(inputs))}` : '';
  const body = method === 'POST' ? JSON.stringify(inputs) : undefined;
  return exports.default.fetch(new Request(`http://town.test/trpc/${paths}?batch=1${query}`, { method, headers, body }));
}

describe('attack: unbounded batches', () => {
  it(`a GET of ${BATCH_MAX_QUERIES} queries runs; of ${BATCH_MAX_QUERIES + 1} (or 300) is HTTP 400 naming the limit`, async () => {
    const townId = newTownId('attack-batch');
    expect(BATCH_MAX_QUERIES).toBe(20);
    const ok = await batch('GET', 'rig.list', BATCH_MAX_QUERIES, { townId });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveLength(BATCH_MAX_QUERIES);
    for (const count of [BATCH_MAX_QUERIES + 1, 300]) {
      const res = await batch('GET', 'rig.list', count, { townId });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('BAD_REQUEST');
      expect(body.error.message).toMatch(/at most 20 queries/);
    }
  });

  it('a POST batch of mutations is HTTP 400 and writes nothing; one mutation alone runs', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const townId = newTownId('attack-batch-post');
    const rig = await client().rig.register.mutate({ townId, name: 'r1' });
    const before = await dumpTown(townId);
    const raise = { townId, sourceRigId: rig.id, severity: 'low', message: 'x' };
    for (const count of [2, 20]) {
      const res = await batch('POST', 'escalation.raise', count, raise);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/a mutation travels alone/);
    }
    expect(await dumpTown(townId)).toEqual(before);
    const alone = await batch('POST', 'escalation.raise', 1, raise);
    expect(alone.status).toBe(200);
    vi.restoreAllMocks();
  });

  it('the typed client splits queries made together into batches within the limit', async () => {
    const townId = newTownId('attack-batch-client');
    const api = client();
    const results = await Promise.all(Array.from({ length: 45 }, () => api.rig.list.query({ townId })));
    expect(results).toHaveLength(45);
  });
});
