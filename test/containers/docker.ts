// Docker, as the container suite needs it: is a daemon there, what did setup.sh say, which containers
// did this suite's `wrangler dev` start, and a way to reach inside one.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT } from '../browser/harness.ts';

export const DOCKER_MISSING = (why: string) => `
================================================================================
 CONTAINER SUITE SKIPPED: ${why}
 It starts the real Town Container under 'wrangler dev --enable-containers' and
 needs a Docker daemon this user can reach. On Debian, as root:
     apt-get install -y docker.io busybox-static
     dockerd --bip 172.17.0.1/16 &
     npm run test:containers
 CI (.ci/run) does this and sets TOWN_REQUIRE_CONTAINERS=1, so it never skips there.
================================================================================
`;

const DOCKER_TIMEOUT_MS = 60_000;

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: DOCKER_TIMEOUT_MS }).trim();
}

/** Null when a daemon answers; otherwise why not. */
export function dockerUnavailable(): string | null {
  try {
    docker(['info', '--format', '{{.ServerVersion}}']);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no Docker CLI on PATH.' : 'the Docker daemon does not answer (docker info).';
  }
}

/** Runs scripts/containers/setup.sh (its report goes to our stderr) and returns the environment it printed. */
export function runContainerSetup(): Record<string, string> {
  const printed = execFileSync('bash', [join(REPO_ROOT, 'scripts/containers/setup.sh')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 5 * DOCKER_TIMEOUT_MS,
  });
  const settings: Record<string, string> = {};
  for (const line of printed.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) settings[line.slice(0, at)] = line.slice(at + 1);
  }
  return settings;
}

export interface RunningContainer {
  id: string;
  name: string;
  image: string;
}

/** Running Town Containers (workerd names them `workerd-<session>-<worker>-TownContainer-<DO id>`; not their `-proxy` sidecars). */
export function townContainers(): RunningContainer[] {
  const lines = docker(['ps', '--no-trunc', '--filter', 'name=TownContainer', '--format', '{{.ID}}\t{{.Names}}\t{{.Image}}']);
  return lines
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', name = '', image = ''] = line.split('\t');
      return { id, name, image };
    })
    .filter((c) => !c.name.endsWith('-proxy'));
}

/** Containers (sidecars included) whose name contains `fragment`, running or not. */
export function containersNamed(fragment: string): string[] {
  return docker(['ps', '-a', '--no-trunc', '--filter', `name=${fragment}`, '--format', '{{.ID}}'])
    .split('\n')
    .filter(Boolean);
}

/** Runs a command inside a container as root (the Town Container itself runs as `node`). */
export function execAsRoot(containerId: string, command: string[]): string {
  return docker(['exec', '-u', 'root', containerId, ...command]);
}

/**
 * Removes what is left of containers whose name contains `fragment`, and waits until none is left.
 * wrangler removes its own when it stops, maybe at the same moment ("removal already in progress").
 */
export async function removeContainersNamed(fragment: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const left = containersNamed(fragment);
    if (left.length === 0) return;
    try {
      docker(['rm', '-f', ...left]);
    } catch {
      // already going: look again
    }
    await delay(250);
  }
  throw new Error(`containers named *${fragment}* are still there: ${containersNamed(fragment).join(' ')}`);
}
