import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { client } from '../test/helpers';
import { fmt, medianMs, report } from './report';

// Placeholder scenario proving the harness end to end; the real scenarios replace it.
it('rig.get: tRPC over HTTP vs direct DO RPC', async () => {
  const api = client();
  const townId = `bench-${crypto.randomUUID()}`;
  const rig = await api.rig.register.mutate({ townId, name: 'r' });
  const stub = env.TOWN.get(env.TOWN.idFromName(townId));
  const direct = await medianMs(() => stub.getRig(townId, rig.id));
  const http = await medianMs(() => api.rig.get.query({ townId, rigId: rig.id }));
  await report([
    { scenario: 'rig.get', measure: 'direct DO RPC (ms)', value: fmt(direct) },
    { scenario: 'rig.get', measure: 'tRPC over HTTP (ms)', value: fmt(http) },
    { scenario: 'rig.get', measure: 'ratio', value: `${fmt(http / direct)}×` },
  ]);
});
