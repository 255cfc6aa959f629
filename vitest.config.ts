import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc', environment: 'dev' } })],
  test: {
    include: ['test/**/*.test.ts'],
    // A real HTTP webhook receiver (Node) that the Worker posts to; see test/webhook-receiver.mjs.
    globalSetup: ['./test/webhook-receiver.mjs'],
  },
});
