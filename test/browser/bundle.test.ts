// The dashboard's bundle: built by the same script wrangler runs, everything local (no CDN), JavaScript
// within its budget. Needs no browser, so it runs wherever `npm test` does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from './harness.ts';

const JS_BUDGET_GZIP_BYTES = 150 * 1024;
const dist = join(REPO_ROOT, 'web/dist');

test('the page bundles to web/dist with its JavaScript ≤ 150 KB gzipped and nothing fetched from elsewhere', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'web/build.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
  const files = readdirSync(dist);
  assert.ok(files.includes('index.html') && files.includes('app.js') && files.includes('app.css'), files.join());

  const js = files.filter((f) => f.endsWith('.js'));
  const gzipped = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0);
  console.log(`dashboard JavaScript: ${js.join(', ')} = ${(gzipped / 1024).toFixed(1)} KB gzipped`);
  assert.ok(gzipped <= JS_BUDGET_GZIP_BYTES, `${gzipped} bytes gzipped`);

  // Every script and stylesheet the page loads is its own (a root-relative path), so it works offline.
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  assert.ok(refs.length >= 2);
  for (const ref of refs) assert.match(ref, /^\/[^/]/);
  for (const f of [...js, 'app.css'])
    assert.doesNotMatch(readFileSync(join(dist, f), 'utf8'), /(?:import|@import|url)\s*\(?\s*["']https?:/);
});
