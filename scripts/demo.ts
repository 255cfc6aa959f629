// `npm run demo`: the main job, end to end, against a running town (`npm run dev` in another shell).
// Registers rigs, runs a convoy until it lands, raises an escalation of each severity and shows where
// each went, prints the watchdog status and the Mayor's briefing, then raises a storm of repeated
// escalations that ends as one digest per channel. Exits non-zero if anything is off.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTownClient } from '../client/index.ts';

const url = process.env.TOWN_URL ?? 'http://localhost:8787';
const town = createTownClient({ url, token: process.env.TOWN_TOKEN ?? 'dev-token' });
const townId = `demo-${Date.now().toString(36)}`;
const POLL_TIMEOUT_MS = 20_000;

let problems = 0;
const say = (line = '') => console.log(line);
function check(ok: boolean, what: string) {
  say(`  ${ok ? '✓' : '✗'} ${what}`);
  if (!ok) problems += 1;
}
const bar = (done: number, total: number, width = 24) => {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
};
async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) {
      if (!ok(value)) check(false, `${what} (timed out)`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A local webhook endpoint, so the demo can show what the town posts to it. */
async function startWebhookReceiver() {
  const received: { id: string; type: string; signed: boolean }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string };
      received.push({
        id: String(req.headers['webhook-id']),
        type: event.type,
        signed: String(req.headers['webhook-signature']).startsWith('v1,'),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => server.close() };
}

async function main() {
  const health = await fetch(`${url}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`no town at ${url}: start it with \`npm run dev\``);
  say(`town ${townId} at ${url}\n`);

  say('1. Rigs');
  const rigs = await Promise.all(['frontend', 'backend', 'docs'].map((name) => town.rig.register.mutate({ townId, name })));
  for (const rig of rigs) say(`  registered ${rig.name.padEnd(9)} ${rig.id}`);
  check((await town.rig.list.query({ townId })).length === 3, 'three rigs listed');

  say('\n2. A convoy across them');
  const beads = rigs.flatMap((rig, i) => Array.from({ length: i + 1 }, (_, n) => ({ rigId: rig.id, title: `${rig.name} task ${n + 1}` })));
  const convoy = await town.convoy.create.mutate({ townId, title: 'Ship the login page', beads, createdBy: 'demo' });
  say(`  created "${convoy.title}" with ${convoy.totalBeads} beads`);
  for (const rig of rigs) {
    const inRig = (await town.rig.beads.query({ townId, rigId: rig.id })).items;
    check(inRig.length === beads.filter((b) => b.rigId === rig.id).length, `${rig.name} holds its ${inRig.length} bead(s)`);
  }
  for (const [i, bead] of convoy.beads.entries()) {
    await town.rig.closeBead.mutate({ townId, rigId: bead.rigId, beadId: bead.id });
    const now = await until(
      'the town hears of each close',
      () => town.convoy.get.query({ townId, convoyId: convoy.id }),
      (c) => c.closedBeads === i + 1,
    );
    say(`  ${bar(now.closedBeads, now.totalBeads)} ${now.status}`);
  }
  const landed = await town.convoy.get.query({ townId, convoyId: convoy.id });
  check(landed.status === 'landed' && landed.landedAt !== null, `convoy landed at ${landed.landedAt}`);

  say('\n3. Escalations, one of each severity');
  const hook = await startWebhookReceiver();
  try {
    // Grouping off here, so each severity shows its own route (step 6 turns it on).
    await town.escalation.setRouting.mutate({ townId, webhookUrl: hook.url, emailTo: 'oncall@example.com', groupWaitSeconds: 0 });
    const expected = { low: [], medium: ['mayor'], high: ['email', 'mayor', 'webhook'], critical: ['email', 'mayor', 'webhook'] };
    for (const severity of ['low', 'medium', 'high', 'critical'] as const) {
      const { escalation, routedTo } = await town.escalation.raise.mutate({
        townId,
        sourceRigId: rigs[1]?.id ?? '',
        severity,
        message: `demo ${severity} escalation`,
      });
      const deliveries = await until(
        `${severity}: every delivery done`,
        () => town.escalation.deliveries.query({ townId, escalationId: escalation.id }),
        (list) => list.every((d) => d.status === 'delivered') && list.length === expected[severity].length,
      );
      const where = deliveries.map((d) => `${d.channel}:${d.status}`).join(', ') || 'recorded and logged only';
      say(`  ${severity.padEnd(8)} → ${where}`);
      check(
        JSON.stringify([...routedTo].sort()) === JSON.stringify(expected[severity]),
        `${severity} routed to ${expected[severity].join(', ') || 'the log only'}`,
      );
    }
    const hooks = hook.received.filter((h) => h.type.startsWith('escalation'));
    check(hooks.length === 2 && hooks.every((h) => h.signed), `webhook received ${hooks.length} signed escalation events`);
  } finally {
    hook.close();
  }
  const mail = await until(
    "the Mayor's mailbox has its mail",
    () => town.mayor.mail.list.query({ townId }),
    (m) => m.items.filter((x) => x.type === 'escalation.raised').length === 3,
  );
  for (const m of mail.items) say(`  mayor mail: ${m.subject}`);

  say('\n4. Watchdog');
  const report = await town.watchdog.heartbeat.mutate({ townId });
  for (const t of report.targets)
    say(`  ${t.name.padEnd(14)} ${t.status.padEnd(11)} ${t.latencyMs} ms${t.error ? `  (${t.error.slice(0, 60)})` : ''}`);
  check(
    report.targets.filter((t) => t.kind === 'rig').every((t) => t.status === 'healthy'),
    'every rig healthy',
  );
  const status = await town.watchdog.status.query({ townId });
  say(`  next heartbeat at ${status.nextHeartbeatAt}`);
  check(status.nextHeartbeatAt !== null, 'a heartbeat is scheduled');

  say("\n5. The Mayor's briefing");
  const briefing = await town.mayor.briefing.query({ townId });
  say(`  ${briefing.rigs.length} rigs, ${briefing.activeConvoys.items.length} active convoys,`);
  say(`  ${briefing.unacknowledgedEscalations.items.length} unacknowledged escalations, ${briefing.unreadMail.items.length} unread mails`);
  check(briefing.unacknowledgedEscalations.items.length === 4, 'four escalations await acknowledgement');

  await storm(rigs[0]?.id ?? '');

  say(problems === 0 ? '\nAll good.' : `\n${problems} problem(s).`);
  process.exitCode = problems === 0 ? 0 : 1;
}

/** Step 6: 60 raises over 6 dedup keys (a flapping CI) end as 6 escalations and one digest per channel. */
async function storm(rigId: string) {
  say('\n6. A storm that ends as one digest');
  const hook = await startWebhookReceiver();
  try {
    await town.escalation.setRouting.mutate({ townId, webhookUrl: hook.url, groupWaitSeconds: 2, groupIntervalSeconds: 300 });
    const keys = ['ci:build', 'ci:lint', 'ci:e2e', 'disk:worker-1', 'disk:worker-2', 'deploy:staging'];
    const raised = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        town.escalation.raise.mutate({
          townId,
          sourceRigId: rigId,
          severity: 'high',
          message: `${keys[i % keys.length]} is failing`,
          dedupKey: keys[i % keys.length],
        }),
      ),
    );
    const ids = new Set(raised.map((r) => r.escalation.id));
    say(`  60 raises → ${ids.size} escalations (${raised.filter((r) => r.deduplicated).length} folded into them by dedupKey)`);
    check(ids.size === keys.length, 'one escalation per dedup key');
    const digests = await until(
      'the group goes out after its 2 s wait',
      async () => hook.received.filter((h) => h.type.startsWith('escalation')),
      (got) => got.length > 0,
    );
    say(`  webhook: ${digests.map((d) => d.type).join(', ')}`);
    check(digests.length === 1 && digests[0]?.type === 'escalation.group' && digests[0].signed, 'one signed escalation.group');
    const open = (await town.escalation.list.query({ townId, status: 'open' })).items.filter((e) => ids.has(e.id));
    say(`  ${open.map((e) => `${e.dedupKey}×${e.occurrences}`).join('  ')}`);
    const silence = await town.escalation.silence.mutate({
      townId,
      matchers: { dedupKeyPrefix: 'ci:' },
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'CI is being migrated',
      by: 'demo',
    });
    for (const e of open.filter((x) => x.dedupKey?.startsWith('ci:'))) {
      await town.escalation.resolve.mutate({ townId, escalationId: e.id, by: 'demo', reason: 'CI fixed' });
    }
    const quiet = await town.escalation.raise.mutate({
      townId,
      sourceRigId: rigId,
      severity: 'high',
      message: 'flaky',
      dedupKey: 'ci:build',
    });
    check(
      quiet.escalation.silencedBy === silence.id && quiet.routedTo.length === 0,
      'a raise under a silence is recorded and tells nobody',
    );
  } finally {
    hook.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
