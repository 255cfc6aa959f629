// `node bench/profile-close.ts`: a CPU profile of the Worker and the Durable Objects (one isolate in
// `wrangler dev`) under the concurrent-close load: ROUNDS × 200 concurrent `convoy.beadClosed` over
// HTTP (PROFILE_PATH=rig for 200 concurrent `rig.closeBead`), sampled through the inspector protocol
// (`Profiler.start/stop` on the inspector port). Prints the top functions by self time and the
// share of each source file; PROFILE_OUT=<file> keeps the .cpuprofile (opens in Chrome DevTools).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createTownClient } from '../client/index.ts';
import { benchRoot, startWranglerDev } from './wrangler-dev.ts';

const PORT = Number(process.env.BENCH_PORT ?? 30710);
const CONCURRENT = 200;
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 10);
const RIG_COUNT = 10;
const PATH = process.env.PROFILE_PATH === 'rig' ? 'rig' : 'convoy';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function inspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const target = targets[0];
  if (!target) throw new Error('no inspector target');
  // wrangler's inspector proxy refuses a connection without an Origin header.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://127.0.0.1' } } as unknown as string[]);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (message: { data: unknown }) => {
    const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
    if (data.id !== undefined) pending.get(data.id)?.(data.result);
  });
  const send = <R>(method: string, params: object = {}) =>
    new Promise<R>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** The module each line of wrangler's bundle comes from (esbuild heads each module with `// <path>`). */
function bundleModules(): (line: number) => string {
  const tmp = join(benchRoot, '.wrangler', 'tmp');
  const newest = readdirSync(tmp)
    .filter((d) => d.startsWith('dev-'))
    .map((d) => join(tmp, d, 'worker.js'))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const heads: string[] = [];
  let current = '(bundle)';
  for (const text of newest ? readFileSync(newest, 'utf8').split('\n') : []) {
    const head = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(text);
    if (head?.[1]) current = head[1].replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, '$1');
    heads.push(current);
  }
  return (line) => heads[line] ?? '(bundle)';
}

/** Self time (ms) by function and by module; inclusive time of the functions named in `inclusive`. */
function summarize(profile: Profile, moduleOf: (line: number) => string, inclusive: readonly string[]) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (frame: CallFrame) => (frame.url.endsWith('worker.js') ? moduleOf(frame.lineNumber) : frame.url || '(native)');
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const inclusiveMs = new Map<string, number>();
  let idle = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    // Idle is reported apart: the shares below are of the time the isolate was busy.
    if (frame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const name = `${frame.functionName || '(anonymous)'}  ${where(frame)}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byModule.set(where(frame), (byModule.get(where(frame)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame.functionName ?? '';
      if (inclusive.includes(f) && !seen.has(f)) {
        seen.add(f);
        inclusiveMs.set(f, (inclusiveMs.get(f) ?? 0) + ms);
      }
    }
  }
  const busy = total - idle;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${k}`);
  return { total, busy, functions: top(byFunction, 30), modules: top(byModule, 20), inclusive: top(inclusiveMs, inclusive.length) };
}

/** Functions whose inclusive time is reported (the parts of a close: log line, token check, zod, event append, tRPC, JSON). */
const PARTS = [
  'serveTrpc',
  'fetchRequestHandler',
  'resolveResponse',
  'authenticate',
  'tokenMatches',
  'verifyToken',
  'parse',
  'safeParseAsync',
  'onBeadClosed',
  'run',
  'beadClosed',
  'logEvent',
  'appendEvent',
  'resolveForConvoy',
  'rearm',
  'closeInSketch',
  'closeInRigProgress',
  'stringify',
];

async function main() {
  const server = await startWranglerDev(PORT, process.env.PROFILE_LOG);
  try {
    const town = createTownClient({ url: server.url, token: 'dev-token' });
    const townId = `profile-${Date.now().toString(36)}`;
    const rigs: { id: string }[] = [];
    for (let i = 0; i < RIG_COUNT; i++) rigs.push(await town.rig.register.mutate({ townId, name: `rig-${i}` }));
    const convoys: { id: string; beadIds: string[] }[] = [];
    for (let r = 0; r < ROUNDS + 1; r++) {
      const beads = Array.from({ length: CONCURRENT + RIG_COUNT }, (_, i) => ({ rigId: rigs[i % RIG_COUNT]?.id ?? '', title: `b${i}` }));
      convoys.push(await town.convoy.create.mutate({ townId, title: `load ${r}`, beads }));
    }
    const round = (c: (typeof convoys)[number]) =>
      Promise.all(
        c.beadIds
          .slice(0, CONCURRENT)
          .map((beadId, i) =>
            PATH === 'rig'
              ? town.rig.closeBead.mutate({ townId, rigId: rigs[i % RIG_COUNT]?.id ?? '', beadId })
              : town.convoy.beadClosed.mutate({ townId, convoyId: c.id, beadId }),
          ),
      );
    const [warm, ...timed] = convoys;
    if (warm) await round(warm);
    const devtools = await inspector(server.inspectorPort);
    await devtools.send('Profiler.enable');
    await devtools.send('Profiler.setSamplingInterval', { interval: 100 });
    await devtools.send('Profiler.start');
    const started = performance.now();
    for (const c of timed) await round(c);
    const ms = performance.now() - started;
    const { profile } = await devtools.send<{ profile: Profile }>('Profiler.stop');
    devtools.close();
    if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    const summary = summarize(profile, bundleModules(), PARTS);
    const what = `${ROUNDS} × ${CONCURRENT} concurrent ${PATH === 'rig' ? 'rig.closeBead' : 'convoy.beadClosed'}`;
    const lines = [
      `${what}: ${((ROUNDS * CONCURRENT * 1000) / ms).toFixed(0)} closes/s (with the profiler attached)`,
      `sampled ${summary.total.toFixed(0)} ms of the isolate in ${ms.toFixed(0)} ms wall, ${summary.busy.toFixed(0)} ms not idle (% below are of that)`,
      '',
      'by function (self time):',
      ...summary.functions,
      '',
      'by module (self time):',
      ...summary.modules,
      '',
      'parts (inclusive time, by function name):',
      ...summary.inclusive,
    ];
    // RESULTS.md takes it as a section (results-server.ts appends bench/results-*.md).
    const section = `## CPU profile: ${what} in wrangler dev (\`npm run bench:profile-close\`, ${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')})\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`;
    writeFileSync(join(benchRoot, 'bench', `results-profile-${PATH}.md`), section);
    console.log(lines.join('\n'));
  } finally {
    server.stop();
  }
}

await main();
