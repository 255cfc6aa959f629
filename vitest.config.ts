import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const wrangler = { configPath: './wrangler.jsonc', environment: 'dev' };
// No test asserts time through its timeout: the load tests take 6–14 s on a busy 2-core machine (5 s is
// Vitest's default), so a generous bound only stops a hung test.
const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 };
// Grouped notifications are off by default in tests: most suites assert how each escalation is routed on
// its own. The grouping suites (test/escalations/grouping*.test.ts) turn it on per town with setRouting.
const bindings = { ESCALATION_GROUP_WAIT_SECONDS: '0' };

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler, miniflare: { bindings } })],
        test: {
          name: 'workers',
          ...timeouts,
          include: ['test/**/*.test.ts'],
          // test/browser/, test/crash/ and test/containers/ run in Node (`npm run test:browser`, `test:containers`): a real
          // browser, a real container, against a `wrangler dev`.
          exclude: ['test/watchdog/container/**', 'test/browser/**', 'test/containers/**', 'test/crash/**'],
          // A real HTTP webhook receiver (Node) that the Worker posts to; see test/webhook-receiver.mjs.
          globalSetup: ['./test/webhook-receiver.mjs'],
          // Fails a test when an error escapes a Durable Object method and no test injected it.
          setupFiles: ['./test/escaped-errors.ts'],
        },
      },
      // The same Worker and wrangler config, but TOWN_CONTAINER answers `/health` through a test Durable
      // Object (test/watchdog/container/fake-town-container.js), since containers cannot run without Docker.
      {
        plugins: [
          cloudflareTest({
            wrangler,
            miniflare: {
              bindings: { ...bindings, TOWN_CONTAINER_ENABLED: 'true' },
              durableObjects: { TOWN_CONTAINER: { className: 'FakeTownContainer', scriptName: 'fake-town-container' } },
              workers: [
                {
                  name: 'fake-town-container',
                  modules: true,
                  scriptPath: './test/watchdog/container/fake-town-container.js',
                  compatibilityDate: '2026-11-01',
                  // Declares the class in this worker, so the binding above has a namespace to point at.
                  durableObjects: { FAKE_TOWN_CONTAINER: 'FakeTownContainer' },
                },
              ],
            },
          }),
        ],
        test: {
          name: 'container',
          ...timeouts,
          include: ['test/watchdog/container/**/*.test.ts'],
          setupFiles: ['./test/escaped-errors.ts'],
        },
      },
    ],
  },
});
