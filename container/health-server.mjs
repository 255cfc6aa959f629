// The Town Container's HTTP server: `/health` reports whether this container can do the town's work.
// Every answer carries `x-town-container: 1`, so the watchdog can tell "the container said it is unhealthy"
// apart from an error the Containers platform produced without reaching this process.
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export const MARKER_HEADER = 'x-town-container';
const EVENT_LOOP_DELAY_LIMIT_MS = 1_000;

/** Each check resolves to null when it passes, or to a short reason when it fails. */
function checks({ workdir, loopDelay }) {
  return {
    // Agents check out and build code here; a full or read-only disk makes the container useless.
    async workdir() {
      const probe = join(workdir, `.health-${randomUUID()}`);
      try {
        await writeFile(probe, 'ok');
        await rm(probe);
        return null;
      } catch (error) {
        return `workdir ${workdir} is not writable: ${error.code ?? error.message}`;
      }
    },
    // A blocked event loop answers late or not at all; report it while we still can.
    async eventLoop() {
      const p99Ms = loopDelay.percentile(99) / 1e6;
      loopDelay.reset();
      return p99Ms > EVENT_LOOP_DELAY_LIMIT_MS ? `event loop delay p99 ${Math.round(p99Ms)} ms` : null;
    },
  };
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', [MARKER_HEADER]: '1' });
  res.end(JSON.stringify(body));
}

/** Starts the server on `port` (0 picks a free one); resolves once it listens. */
export async function startHealthServer({ port = 8080, workdir = '/town', startedAt = new Date() } = {}) {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const health = checks({ workdir, loopDelay });
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://container').pathname;
    if (path !== '/health') return send(res, 404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    const results = Object.fromEntries(await Promise.all(Object.entries(health).map(async ([name, check]) => [name, await check()])));
    const failing = Object.entries(results).filter(([, reason]) => reason !== null);
    const body = {
      ok: failing.length === 0,
      startedAt: startedAt.toISOString(),
      uptimeS: Math.round(process.uptime()),
      checks: Object.fromEntries(Object.entries(results).map(([name, reason]) => [name, reason ?? 'ok'])),
    };
    send(res, failing.length === 0 ? 200 : 503, body);
  });
  server.on('close', () => loopDelay.disable());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return server;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const server = await startHealthServer({
    port: Number(process.env.PORT ?? 8080),
    workdir: process.env.TOWN_WORKDIR ?? '/town',
  });
  console.log(JSON.stringify({ level: 'info', event: 'container.listening', port: server.address().port }));
  // The platform stops a container with SIGTERM: finish in-flight answers, then exit cleanly.
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
