import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../server/body-limit';
import { newTownId } from './helpers';
import { dumpTown } from './town-dump';

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return exports.default.fetch(
    new Request('http://town.test/trpc/rig.register', {
      method: 'POST',
      headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json', ...headers },
      body,
    }),
  );
}

describe('request body limit', () => {
  it('refuses an oversize body with 413 before parsing it, and writes nothing', async () => {
    const townId = newTownId();
    const before = await dumpTown(townId);
    const huge = JSON.stringify({ townId, name: 'a', pad: 'x'.repeat(MAX_REQUEST_BODY_BYTES) });
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { data: { code: string } } }).error.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await dumpTown(townId)).toEqual(before);
  });

  it('refuses an oversize body that does not declare its length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_REQUEST_BODY_BYTES) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await post(stream);
    expect(res.status).toBe(413);
  });

  it('accepts a body under the limit', async () => {
    const res = await post(JSON.stringify({ townId: newTownId(), name: 'fine' }));
    expect(res.status).toBe(200);
  });
});
