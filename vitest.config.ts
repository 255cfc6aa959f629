import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const wrangler = { configPath: './wrangler.jsonc', environment: 'dev' };
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
          include: ['test/**/*.test.ts'],
          exclude: ['test/watchdog/container/**'],
          // A real HTTP webhook receiver (Node) that the Worker posts to; see test/webhook-receiver.mjs.
          globalSetup: ['./test/webhook-receiver.mjs'],
        },
      },
      // The same Worker and wrangler config, but TOWN_CONTAINER answers `/health` through a test Durable
      // Object (test/watchdog/container/fake-town-container.js), since containers cannot run without Docker.
      {
        plugins: [
          cloudflareTest({
            wrangler,
            miniflare: {
              bindings,
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
        test: { name: 'container', include: ['test/watchdog/container/**/*.test.ts'] },
      },
    ],
  },
});
