// `npm run demo`: the main job, end to end, against a running town (`npm run dev` in another shell).
// Registers rigs, runs a convoy until it lands (its progress printed from the live event stream, not by
// polling), raises an escalation of each severity and shows where each went, prints the watchdog
// status and the Mayor's briefing, gives an agent a rig token and shows it refused outside its rig,
// then raises a storm of repeated escalations that ends as one digest per channel, runs the work loop,
// and lets a convoy spend its budget, pause, and land once the budget is raised. Exits non-zero if
// anything is off.
import { Webhook } from 'standardwebhooks';
import { createTownClient } from '../client/index.ts';
import { budget } from './demo/budget.ts';
import { bar, check, POLL_TIMEOUT_MS, problemCount, refusal, say, startWebhookReceiver, town, townId, until, url } from './demo/common.ts';
import { storm } from './demo/storm.ts';
import { workLoop } from './demo/work-loop.ts';

/**
 * Follows a convoy on the live event stream (`event.subscribe`, Server-Sent Events): prints each
 * delivery and close as the town commits it, and resolves when the convoy lands. No polling.
 */
function followConvoy(convoyId: string, after: string, rigNames: Map<string | null, string>) {
  return new Promise<{ closes: number; landed: boolean }>((resolve, reject) => {
    let closes = 0;
    const done = (landed: boolean) => {
      clearTimeout(timer);
      live.unsubscribe();
      resolve({ closes, landed });
    };
    const timer = setTimeout(() => done(false), POLL_TIMEOUT_MS);
    const live = town.event.subscribe.subscribe(
      { townId, convoyId, lastEventId: after },
      {
        onData: ({ id, data: event }) => {
          const rig = rigNames.get(event.rigId) ?? '';
          if (event.type === 'convoy.beads_delivered') say(`  event ${id} ${rig} received ${event.data.sent} bead(s)`);
          if (event.type === 'convoy.bead_closed') {
            closes += 1;
            say(`  event ${id} ${bar(Number(event.data.closedBeads), Number(event.data.totalBeads))} ${rig} closed a bead`);
          }
          if (event.type === 'convoy.landed') {
            say(`  event ${id} convoy.landed`);
            done(true);
          }
        },
        onError: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      },
    );
  });
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
  // The stream from the convoy's creation on (its id is a cursor), so nothing between is missed.
  const [created] = (await town.event.list.query({ townId, convoyId: convoy.id, types: ['convoy.created'] })).items;
  if (!created) throw new Error('the convoy has no convoy.created event');
  const rigNames = new Map<string | null, string>(rigs.map((rig) => [rig.id, rig.name]));
  const progress = followConvoy(convoy.id, created.id, rigNames);
  for (const [i, beadId] of convoy.beadIds.entries()) await town.rig.closeBead.mutate({ townId, rigId: beads[i]?.rigId ?? '', beadId });
  const followed = await progress;
  check(followed.landed && followed.closes === convoy.totalBeads, `the stream showed ${followed.closes} closes and the landing`);
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
    // The town's first webhook URL creates its own signing secret, shown in this answer only.
    const { signingSecret } = await town.escalation.setRouting.mutate({
      townId,
      webhookUrl: hook.url,
      emailTo: 'oncall@example.com',
      // Grouping off here, so each severity shows its own route (step 7 turns it on).
      groupWaitSeconds: 0,
    });
    check(signingSecret?.startsWith('whsec_') === true, "the town's own webhook signing secret, shown once");
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
    const verifies = (h: (typeof hooks)[number]) => {
      try {
        new Webhook(signingSecret ?? '').verify(h.body, h.headers);
        return true;
      } catch {
        return false;
      }
    };
    check(
      hooks.length === 2 && hooks.every(verifies),
      `webhook received ${hooks.length} escalation events, each verified with the town's secret`,
    );
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

  say('\n6. Tenancy: an agent gets a rig token');
  const [frontend, backend] = rigs;
  if (!frontend || !backend) throw new Error('the rigs are missing');
  const townToken = await town.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 3600, label: 'demo web app' });
  const webApp = createTownClient({ url, token: townToken.token });
  const rigToken = await webApp.auth.issueToken.mutate({
    townId,
    role: 'rig',
    rigId: frontend.id,
    ttlSeconds: 3600,
    label: 'agent frontend-1',
  });
  say(`  the town token issued a rig token for ${frontend.name} (${rigToken.tokenId}), valid until ${rigToken.expiresAt}`);
  const agent = createTownClient({ url, token: rigToken.token });
  const own = await agent.rig.beads.query({ townId, rigId: frontend.id });
  check(own.items.length === 1, `the agent reads its own rig's beads (${own.items.length})`);
  const raised = await agent.escalation.raise.mutate({ townId, sourceRigId: frontend.id, severity: 'low', message: 'agent: flaky test' });
  check(raised.escalation.sourceRigId === frontend.id, 'the agent raises an escalation as its rig');
  const refusals: [string, () => Promise<unknown>, string][] = [
    [`rig.beads of ${backend.name}`, () => agent.rig.beads.query({ townId, rigId: backend.id }), 'FORBIDDEN'],
    [
      `escalation.raise as ${backend.name}`,
      () => agent.escalation.raise.mutate({ townId, sourceRigId: backend.id, severity: 'high', message: 'x' }),
      'FORBIDDEN',
    ],
    ['escalation.setRouting', () => agent.escalation.setRouting.mutate({ townId, webhookUrl: null }), 'FORBIDDEN'],
    ['mayor.briefing', () => agent.mayor.briefing.query({ townId }), 'FORBIDDEN'],
    ['another town', () => agent.convoy.list.query({ townId: `${townId}-other` }), 'FORBIDDEN'],
  ];
  for (const [what, call, code] of refusals) {
    const got = await refusal(call());
    check(got === code, `refused outside its rig: ${what} → ${got}`);
  }
  await webApp.auth.revokeToken.mutate({ townId, tokenId: rigToken.tokenId });
  const afterRevoke = await refusal(agent.rig.beads.query({ townId, rigId: frontend.id }));
  check(afterRevoke === 'UNAUTHORIZED', `revoked, the next call is refused → ${afterRevoke}`);
  await storm(rigs[0]?.id ?? '');
  await workLoop(rigs);
  if (!rigs[2]) throw new Error('the docs rig is missing');
  await budget(rigs[2]);

  const problems = problemCount();
  say(problems === 0 ? '\nAll good.' : `\n${problems} problem(s).`);
  process.exitCode = problems === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
