// The Town Container's server, tested as a plain Node process (no Docker here): `npm run test:container`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MARKER_HEADER, startHealthServer } from './health-server.mjs';

const SERVER_PATH = new URL('./health-server.mjs', import.meta.url).pathname;

let workdir;
before(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'town-container-'));
});
after(async () => {
  await rm(workdir, { recursive: true, force: true });
});

async function withServer(options, fn) {
  const server = await startHealthServer({ port: 0, ...options });
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

describe('health server', () => {
  it('answers /health 200 with its marker when every check passes', () =>
    withServer({ workdir }, async (base) => {
      const res = await fetch(`${base}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get(MARKER_HEADER), '1');
      const body = await res.json();
      assert.equal(body.ok, true);
      assert.deepEqual(body.checks, { workdir: 'ok', eventLoop: 'ok' });
      assert.ok(!Number.isNaN(Date.parse(body.startedAt)));
    }));

  it('answers 503, still marked, naming the failing check when the workdir is not writable', () =>
    withServer({ workdir: join(workdir, 'missing') }, async (base) => {
      const res = await fetch(`${base}/health`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get(MARKER_HEADER), '1');
      const body = await res.json();
      assert.equal(body.ok, false);
      assert.match(body.checks.workdir, /not writable: ENOENT/);
      assert.equal(body.checks.eventLoop, 'ok');
    }));

  it('marks its 404 and 405 answers too', () =>
    withServer({ workdir }, async (base) => {
      const notFound = await fetch(`${base}/nope`);
      assert.equal(notFound.status, 404);
      assert.equal(notFound.headers.get(MARKER_HEADER), '1');
      const wrongMethod = await fetch(`${base}/health`, { method: 'POST' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get(MARKER_HEADER), '1');
    }));
});

describe('health server as the container runs it', () => {
  it('listens on $PORT, answers /health, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [SERVER_PATH], {
      env: { ...process.env, PORT: '0', TOWN_WORKDIR: workdir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [chunk] = await once(child.stdout, 'data');
      const { event, port } = JSON.parse(String(chunk).split('\n')[0]);
      assert.equal(event, 'container.listening');
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(res.status, 200);
      assert.equal((await res.json()).ok, true);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
