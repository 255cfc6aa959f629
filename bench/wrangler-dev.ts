// Starting and stopping a fresh `wrangler dev --env dev` for the scenarios that run over real HTTP
// outside vitest (big-convoy.ts, profile-close.ts): its own empty state directory, the inspector on
// port + 1 (for CPU profiles), stopped with its process group.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STARTUP_TIMEOUT_MS = 120_000;

export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface WranglerDev {
  url: string;
  inspectorPort: number;
  stop: () => void;
}

/**
 * `logFile`: keep the server's log lines there (each delivery's durationMs…); otherwise they are dropped.
 * `config`: another Worker's wrangler config (bench/floor), instead of town's `--env dev`.
 */
export async function startWranglerDev(port: number, logFile?: string, config?: string): Promise<WranglerDev> {
  const stateDir = mkdtempSync(join(tmpdir(), 'town-bench-'));
  const target = config ? ['--config', config] : ['--env', 'dev'];
  const args = ['wrangler', 'dev', ...target, '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--inspector-port', String(port + 1), '--persist-to', stateDir, '--log-level', logFile ? 'info' : 'warn');
  const log = logFile ? openSync(logFile, 'w') : 'ignore';
  const child: ChildProcess = spawn('npx', args, { cwd: benchRoot, stdio: ['ignore', log, 'inherit'], detached: true });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, inspectorPort: port + 1, stop };
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`wrangler dev did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms`);
}
