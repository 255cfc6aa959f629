// The local egress sidecar, tested as a plain Node process against the contract workerd relies on
// (see sidecar.mjs): `npm run test:container`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseAddress, parseArgs, startSidecar } from './sidecar.mjs';

const SIDECAR_PATH = new URL('./sidecar.mjs', import.meta.url).pathname;

/** A free port: listen on 0, close, hand it back. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Sends a raw CONNECT and resolves with the status line and the socket, left open. */
async function connectThrough(sidecarPort, target) {
  const socket = connect(sidecarPort, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nX-Dst-Addr: ${target}\r\n\r\n`);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  // A sidecar that hangs up without a status line fails the test rather than hanging it.
  while (!received.includes('\r\n\r\n')) {
    const [event] = await Promise.race([once(socket, 'data').then(() => ['data']), once(socket, 'close').then(() => ['close'])]);
    if (event === 'close' && !received.includes('\r\n\r\n'))
      throw new Error(`sidecar closed the tunnel without answering: ${JSON.stringify(received)}`);
  }
  socket.removeAllListeners('data');
  const [head, rest] = received.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head, rest, socket };
}

describe('egress sidecar', () => {
  let sidecar;
  let base;
  let port;
  before(async () => {
    port = await freePort();
    sidecar = await startSidecar({ ingressAddress: `127.0.0.1:${port}` });
    base = `http://127.0.0.1:${port}`;
  });
  after(() => sidecar.server.close());

  it('PUT /egress takes workerd egress settings and answers 2xx; bad JSON is a 400', async () => {
    const settings = { port: 43123, dns: true, internet: false };
    const ok = await fetch(`${base}/egress`, { method: 'PUT', body: JSON.stringify(settings) });
    assert.equal(ok.status, 204);
    assert.deepEqual(sidecar.state.egress, settings);
    const bad = await fetch(`${base}/egress`, { method: 'PUT', body: '{' });
    assert.equal(bad.status, 400);
  });

  it('GET /ca answers 200 with a PEM certificate', async () => {
    const res = await fetch(`${base}/ca`);
    assert.equal(res.status, 200);
    const pem = await res.text();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    assert.equal(pem, await readFile(new URL('./ca.pem', import.meta.url), 'utf8'));
  });

  it('anything else is a 404', async () => {
    assert.equal((await fetch(`${base}/egress`)).status, 404);
    assert.equal((await fetch(`${base}/`)).status, 404);
  });

  it('CONNECT to a listening app answers 200 and pipes an HTTP exchange both ways', async () => {
    const app = createServer((req, res) => res.end(`app saw ${req.method} ${req.url}`)).listen(0, '127.0.0.1');
    await once(app, 'listening');
    try {
      const { status, socket } = await connectThrough(port, `127.0.0.1:${app.address().port}`);
      assert.equal(status, 200);
      socket.write('GET /health HTTP/1.1\r\nHost: container\r\nConnection: close\r\n\r\n');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      await once(socket, 'end');
      assert.match(answer, /^HTTP\/1\.1 200 OK/);
      assert.match(answer, /app saw GET \/health$/);
    } finally {
      app.close();
    }
  });

  it('CONNECT while nothing listens answers 400 (workerd retries), and so does a malformed target', async () => {
    const closed = await connectThrough(port, `127.0.0.1:${await freePort()}`);
    assert.equal(closed.status, 400);
    assert.match(closed.head, /x-sidecar-error: ECONNREFUSED/);
    closed.socket.destroy();
    const malformed = await connectThrough(port, 'no-port-here');
    assert.equal(malformed.status, 400);
    malformed.socket.destroy();
  });
});

describe('egress sidecar flags', () => {
  it('reads the flags workerd passes and keeps the ones it ignores', () => {
    const argv = ['--http-egress-port', '40001', '--http-ingress-address', '0.0.0.0:39001', '--docker-gateway-cidr', '172.17.0.1/16'];
    const options = parseArgs([...argv, '--dns-enabled', '--tls-intercept', '--disable-ipv6']);
    assert.deepEqual(options, {
      ingressAddress: '0.0.0.0:39001',
      egressPort: 40001,
      gatewayCidr: '172.17.0.1/16',
      flags: ['--dns-enabled', '--tls-intercept', '--disable-ipv6'],
    });
    assert.deepEqual(parseAddress('[::]:39001'), { host: '::', port: 39001 });
    assert.equal(parseAddress('0.0.0.0:99999'), null);
  });

  it('runs as a process started with those flags and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [
      SIDECAR_PATH,
      '--http-ingress-address',
      `127.0.0.1:${port}`,
      '--http-egress-port',
      '40001',
      '--tls-intercept',
    ]);
    try {
      const [line] = await once(child.stdout, 'data');
      assert.equal(JSON.parse(line.toString()).event, 'sidecar.listening');
      assert.equal((await fetch(`http://127.0.0.1:${port}/ca`)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
