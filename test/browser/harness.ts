// The browser suite's harness: a `wrangler dev` of its own (own port, own state directory) and Debian's
// Chromium driven by playwright-core. Run by `npm run test:browser` (node --test), never by vitest.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** Screenshots and the dev server's log land here (gitignored). */
export const OUTPUT_DIR = join(REPO_ROOT, 'test-results/browser');
/** How long a dev server may take to answer `/health` after it starts (it builds the page first). */
const DEV_START_TIMEOUT_MS = 120_000;

/** Chromium: `CHROMIUM_PATH`, or the first of Debian's / other distributions' names on PATH. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH: try the next name
    }
  }
  return null;
}

export const CHROMIUM_MISSING = `
================================================================================
 BROWSER SUITE SKIPPED: no Chromium found.
 The dashboard's browser tests need a Chromium binary (Playwright's own download
 is not used). Install Debian's package, or point CHROMIUM_PATH at a binary:
     sudo apt-get install -y chromium
     CHROMIUM_PATH=/path/to/chromium npm run test:browser
 CI (.ci/run) installs it and sets TOWN_REQUIRE_BROWSER=1, so it never skips there.
================================================================================
`;

/** A port nobody holds right now, from the OS. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface DevServer {
  url: string;
  /** Stops it (its whole process group: npm, wrangler, workerd). */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port with the same state: open streams drop. */
  restart(): Promise<void>;
  /**
   * SIGKILL to its whole process group (wrangler and workerd die mid-work, no clean shutdown), then
   * starts it again on the same port and the same `--persist-to` state, and waits for `/health`.
   */
  killAndRestart(): Promise<void>;
}

export interface DevServerOptions {
  /** More `wrangler dev` arguments (e.g. `--enable-containers`). */
  args?: string[];
  /** More environment for wrangler (e.g. what scripts/containers/setup.sh printed). */
  env?: Record<string, string>;
}

/** Starts `wrangler dev --env dev` on a free port with a fresh state directory, and waits for `/health`. */
export async function startDevServer(name: string, options: DevServerOptions = {}): Promise<DevServer> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const persistTo = mkdtempSync(join(tmpdir(), 'town-browser-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(OUTPUT_DIR, `${name}-wrangler-dev.log`), { flags: 'a' });
  let child: ChildProcess | null = null;

  async function start() {
    const inspectorPort = await freePort();
    // Wrangler's entry run by this Node (≥ 22, as wrangler needs), whatever `node` is first on PATH.
    const wrangler = join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');
    const args = [
      wrangler,
      'dev',
      '--env',
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persistTo,
      ...(options.args ?? []),
    ];
    // Its own process group, so stopping it stops workerd too.
    child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, CI: '1' },
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}); see ${OUTPUT_DIR}/${name}-wrangler-dev.log`);
      const ok = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() - started > DEV_START_TIMEOUT_MS) throw new Error(`wrangler dev did not answer /health on ${url}`);
      await delay(250);
    }
  }

  async function stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.pid === undefined) return;
    const exited = new Promise((done) => running.once('exit', done));
    try {
      process.kill(-running.pid, signal);
    } catch {
      return;
    }
    await exited;
  }

  await start();
  return {
    url,
    stop: async () => {
      await stop();
      log.end();
      rmSync(persistTo, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await start();
    },
    killAndRestart: async () => {
      log.write(`\n--- SIGKILL of the process group (${new Date().toISOString()}) ---\n`);
      await stop('SIGKILL');
      // workerd got the same signal; start again once nothing answers on the port any more.
      while (
        await fetch(`${url}/health`).then(
          () => true,
          () => false,
        )
      )
        await delay(100);
      await start();
    },
  };
}
