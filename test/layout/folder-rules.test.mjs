// The folder rules of .dependency-cruiser.cjs hold: a planted upward import and a planted folder
// circle each fail them, and the tree as it is passes. Runs with `node --test` (npm run test:layout).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { cruise } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs');

/** The rule names broken when `files` (path → source) are added to server/ for one cruise. */
async function brokenRules(files) {
  const madeDirs = Object.keys(files)
    .map(dirname)
    .filter((dir) => !existsSync(dir));
  for (const dir of madeDirs) mkdirSync(dir, { recursive: true });
  for (const [path, source] of Object.entries(files)) writeFileSync(path, source);
  try {
    const result = await cruise(['server'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true });
    return [...new Set(result.output.summary.violations.map((v) => v.rule.name))].sort();
  } finally {
    for (const path of Object.keys(files)) rmSync(path, { force: true });
    for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  }
}

test('the tree as it is breaks no folder rule', async () => {
  assert.deepEqual(await brokenRules({}), []);
});

test('a planted import from the floor up to a concept fails', async () => {
  assert.deepEqual(await brokenRules({ 'server/core/planted-up.ts': "import '../convoys/views';\n" }), ['core-imports-only-below']);
});

test('a planted circle between two folders fails', async () => {
  const broken = await brokenRules({
    'server/notify/planted-a.ts': "import '../rigs/planted-b';\nexport const a = 1;\n",
    'server/rigs/planted-b.ts': "import '../notify/planted-a';\nexport const b = 1;\n",
  });
  assert.ok(broken.includes('no-circular'), broken.join());
  assert.ok(broken.includes('notify-imports-only-below'), broken.join());
});

test('a server file outside every floor fails', async () => {
  assert.deepEqual(await brokenRules({ 'server/misc/planted.ts': "import '../core/log';\n" }), ['every-server-file-has-a-floor']);
});
