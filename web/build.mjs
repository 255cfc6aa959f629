// Bundles the dashboard (web/src) into web/dist, which Workers static assets serve at `/`.
// Run by wrangler's `build.command` before `wrangler dev` / `wrangler deploy`, and by the tests.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const outdir = join(root, 'dist');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'src/main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir,
  entryNames: 'app',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  // The typed client from source (tsc checks the page against its built .d.ts, see web/tsconfig.json).
  alias: { '@town/client': join(root, '../client/index.ts') },
  logLevel: 'warning',
});
await copyFile(join(root, 'index.html'), join(outdir, 'index.html'));
// Headers for `/` and its assets (CSP, no framing, no referrer, nosniff): Workers static assets read `_headers`.
await copyFile(join(root, '_headers'), join(outdir, '_headers'));
