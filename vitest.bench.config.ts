import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// `npm run bench`: the scenarios in bench/ run inside workerd, one file at a time, and report to bench/results-server.ts.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.jsonc', environment: 'dev' },
      miniflare: { bindings: { BENCH_RESULTS_URL: inject('benchResultsUrl') } },
    })),
  ],
  test: {
    include: ['bench/**/*.bench.ts'],
    globalSetup: ['bench/results-server.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
  },
});
