// `npm run demo`: the main job, end to end, against a running town (`npm run dev` in another shell).
// Registers rigs, runs a convoy until it lands, raises an escalation of each severity and shows where
// each went, then prints the watchdog status and the Mayor's briefing. Exits non-zero if anything is off.
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
  // create answers the beads' ids in the order given (beadIds[i] is beads[i]); convoy.get answers
  // per-rig progress, and the beads themselves page through convoy.beads.
  const listed = await town.convoy.beads.query({ townId, convoyId: convoy.id, limit: 200 });
  check(
    listed.nextCursor === null && listed.items.map((b) => b.id).join() === convoy.beadIds.join(),
    `convoy.beads lists its ${listed.items.length} beads in order`,
  );
  const rigName = new Map(rigs.map((r) => [r.id, r.name]));
  for (const [i, beadId] of convoy.beadIds.entries()) {
    await town.rig.closeBead.mutate({ townId, rigId: beads[i]?.rigId ?? '', beadId });
    const now = await until(
      'the town hears of each close',
      () => town.convoy.get.query({ townId, convoyId: convoy.id }),
      (c) => c.closedBeads === i + 1,
    );
    const perRig = now.rigs.map((r) => `${rigName.get(r.rigId)} ${r.closedBeads}/${r.totalBeads}`).join(', ');
    say(`  ${bar(now.closedBeads, now.totalBeads)} ${now.status.padEnd(7)} ${perRig}`);
  }
  const landed = await town.convoy.get.query({ townId, convoyId: convoy.id });
  check(landed.status === 'landed' && landed.landedAt !== null, `convoy landed at ${landed.landedAt}`);
  check(landed.rigs.length === 3 && landed.rigs.every((r) => r.closedBeads === r.totalBeads), 'every rig closed all of its beads');
  const timeline = await town.convoy.timeline.query({ townId, convoyId: convoy.id });
  const { timeToLandMs, closeTimes } = timeline.figures;
  say(`  timeline: ${timeline.items.map((e) => e.type.replace('convoy.', '')).join(' → ')}`);
  say(`  landed ${timeToLandMs} ms after creation; closes p50 ${closeTimes.p50Ms} ms, p90 ${closeTimes.p90Ms} ms`);
  check(
    timeline.items[0]?.type === 'convoy.created' &&
      timeline.items.some((e) => e.type === 'convoy.landed') &&
      closeTimes.timed === beads.length,
    'the timeline tells the story from creation to landing',
  );

  say('\n3. Escalations, one of each severity');
  const hook = await startWebhookReceiver();
  try {
    await town.escalation.setRouting.mutate({ townId, webhookUrl: hook.url, emailTo: 'oncall@example.com' });
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

  say(problems === 0 ? '\nAll good.' : `\n${problems} problem(s).`);
  process.exitCode = problems === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
