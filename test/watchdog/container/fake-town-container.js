// Stands in for the Town Container in the `container` test project (vitest.config.ts), where
// TOWN_CONTAINER is bound to this class: the platform cannot run containers here. It answers `/health`
// the way container/health-server.mjs and the Containers platform do, in the mode the test sets.
import { DurableObject } from 'cloudflare:workers';

const MARKED = { 'content-type': 'application/json', 'x-town-container': '1' };

export class FakeTownContainer extends DurableObject {
  mode = 'healthy';
  paths = [];

  /** healthy | unhealthy (its own 503) | platform-error (an unmarked 503) | unmarked-ok | throw | hang */
  setMode(mode) {
    this.mode = mode;
  }

  /** The paths the watchdog requested. */
  requestedPaths() {
    return this.paths;
  }

  async fetch(request) {
    this.paths.push(new URL(request.url).pathname);
    switch (this.mode) {
      case 'healthy':
        return new Response(JSON.stringify({ ok: true, checks: { workdir: 'ok', eventLoop: 'ok' } }), { headers: MARKED });
      case 'unhealthy':
        return new Response(JSON.stringify({ ok: false, checks: { workdir: 'workdir /town is not writable: EROFS' } }), {
          status: 503,
          headers: MARKED,
        });
      case 'platform-error':
        return new Response('There is no Container instance available at this time.', { status: 503 });
      case 'unmarked-ok':
        return new Response('ok');
      case 'throw':
        throw new Error('injected fault: the container crashed');
      case 'hang':
        return new Promise(() => {});
      default:
        throw new Error(`unknown mode ${this.mode}`);
    }
  }
}

export default {
  fetch() {
    return new Response('fake town container worker', { status: 404 });
  },
};
