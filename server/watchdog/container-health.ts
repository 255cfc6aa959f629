import { TimeoutError, withTimeout } from '../core/timeout';
import { type CheckResult, describeError, timedCheck } from './health-check';

/** The container's id among the watchdog's targets (and its `sourceRigId` on escalations). */
export const CONTAINER_TARGET = 'town-container';
export const CONTAINER_NAME = 'Town Container';
/** Set by container/health-server.mjs on every answer; an answer without it came from the platform. */
export const CONTAINER_MARKER_HEADER = 'x-town-container';
// The message the Containers library throws when the class has no container (local dev, tests).
const CONTAINERS_DISABLED = /Containers have not been enabled/;
const BODY_EXCERPT_CHARS = 300;
const UNAVAILABLE = { status: 'unavailable' as const, error: 'containers are not enabled in this environment' };

/**
 * Calls the town's container `/health`. `healthy`: its own 2xx answer. `unhealthy`: its own non-2xx
 * answer, a platform error answer (failed to start, no instance), a throw or a timeout. `unavailable`:
 * containers are not enabled in this environment, so there is nothing to check.
 */
export function checkContainer(env: Env, townId: string, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(async () => {
    // Where containers are disabled (local dev, tests), calling one only throws inside its DO, which the
    // runtime logs as an uncaught exception on every heartbeat: the environment says so instead.
    if (env.TOWN_CONTAINER_ENABLED === 'false') return UNAVAILABLE;
    const stub = env.TOWN_CONTAINER.get(env.TOWN_CONTAINER.idFromName(townId));
    try {
      // The body is read within the same timeout: a container that stalls mid-answer is not healthy either.
      return await withTimeout(
        (async () => {
          const response = await stub.fetch('http://town-container/health');
          const body = (await response.text()).slice(0, BODY_EXCERPT_CHARS);
          const fromContainer = response.headers.get(CONTAINER_MARKER_HEADER) === '1';
          if (response.ok && fromContainer) return { status: 'healthy' as const, error: null };
          const source = fromContainer ? 'container reported' : 'platform answered (not the container)';
          return { status: 'unhealthy' as const, error: `${source} ${response.status}: ${body}` };
        })(),
        timeoutMs,
        'container /health',
      );
    } catch (error) {
      if (error instanceof TimeoutError) throw error;
      if (CONTAINERS_DISABLED.test(describeError(error))) return UNAVAILABLE;
      throw new Error(`container call failed: ${describeError(error)}`);
    }
  });
}
