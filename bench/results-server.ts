import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

// Benchmarks run inside workerd, which cannot write files: each scenario POSTs its rows here, and this
// Node-side global setup prints the table and writes bench/RESULTS.md when the run ends.

export interface BenchRow {
  scenario: string;
  measure: string;
  value: string;
  target?: string;
  met?: boolean;
  note?: string;
}

declare module 'vitest' {
  interface ProvidedContext {
    benchResultsUrl: string;
  }
}

/** The `bench/results-*.md` sections (a profile's top entries, notes on a change), in name order, after the table. */
function appendices(): string {
  const dir = dirname(fileURLToPath(import.meta.url));
  return readdirSync(dir)
    .filter((f) => /^results-.+\.md$/.test(f))
    .sort()
    .map((f) => `\n${readFileSync(join(dir, f), 'utf8').trim()}\n`)
    .join('');
}

export default async function setup(project: TestProject) {
  const rows: BenchRow[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      rows.push(...(JSON.parse(body) as BenchRow[]));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('results server has no port');
  project.provide('benchResultsUrl', `http://127.0.0.1:${address.port}`);

  return async () => {
    await new Promise((resolve) => server.close(resolve));
    if (rows.length === 0) return;
    // The wrangler-dev scenarios run outside workerd (npm run bench:big-convoy, bench:fast-paths, bench:floor)
    // and leave their last rows in a JSON file each.
    for (const [file, command] of [
      ['big-convoy.json', 'npm run bench:big-convoy'],
      ['fast-paths.json', 'npm run bench:fast-paths'],
      ['floor.json', 'npm run bench:floor'],
    ] as const) {
      const path = join(dirname(fileURLToPath(import.meta.url)), file);
      if (!existsSync(path)) continue;
      const run = JSON.parse(readFileSync(path, 'utf8')) as { date: string; rows: BenchRow[] };
      rows.push(...run.rows.map((r) => ({ ...r, note: `${r.note ? `${r.note}; ` : ''}\`${command}\`, ${run.date}` })));
    }
    // Files finish in whatever order vitest ran them; scenarios are numbered, rows keep their order within one.
    rows.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
    const cell = (r: BenchRow) => [
      r.scenario,
      r.measure,
      r.value,
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : '**no**',
      r.note ?? '',
    ];
    const table = [
      '| scenario | measure | value | target | met | note |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${cell(r).join(' | ')} |`),
    ].join('\n');
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const doc = `# Benchmark results

Command: \`npm run bench\` (inside workerd via \`@cloudflare/vitest-plugin\`, local DO SQLite).
Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (the machine is shared).
Date: ${new Date().toISOString()}.

Each figure is a median over repeated runs; each ratio is against a raw baseline measured in the same run.

${table}
${appendices()}`;
    writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md'), doc);
    console.log(`\n${table}\n\nwritten to bench/RESULTS.md`);
  };
}
