// The crash suite: the real runtime (`wrangler dev`, workerd) killed with SIGKILL in the middle of work,
// restarted on the same persisted state, and the invariants checked. `npm run test:crash` (node --test).
// The kill points come from a fixed seed and from progress (closes answered, a delivery in flight),
// never from the clock; no assertion has a time bound (node:test's timeout is the only one).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { createTownClient, type TownClient } from '../../client/index.ts';
import { type DevServer, startDevServer } from '../browser/harness.ts';
import { newTownId } from '../browser/seed.ts';
import { type Answer, type BeadPlan, type Outcome, runAgent, seededRandom, type WorkLog } from './agents.ts';
import { type Delivery, startReceiver } from './receiver.ts';

const DEV_TOKEN = 'dev-token';
const SEED = 24_28;
const BEADS = 200;
const RIGS = 3;
const AGENTS = 20;
/** Beads whose first attempt fails come from the first ones claimed, so their 30 s backoff overlaps the restart. */
const FAILING_FROM_FIRST = 60;

describe('kill -9 of the runtime', () => {
  let dev: DevServer;
  let api: TownClient;

  before(async () => {
    dev = await startDevServer('crash');
    api = createTownClient({ url: dev.url, token: DEV_TOKEN });
  });
  after(async () => {
    await dev?.stop();
  });

  /** Reads every page of a convoy's beads (as the town has them). */
  async function convoyBeads(townId: string, convoyId: string) {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await api.convoy.beads.query({ townId, convoyId, limit: 200, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  async function rigBeads(townId: string, rigId: string) {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await api.rig.beads.query({ townId, rigId, limit: 200, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  /** Polls until the convoy is settled (the town has every close); the suite's timeout bounds it. */
  async function settledConvoy(townId: string, convoyId: string) {
    for (;;) {
      const convoy = await api.convoy.get.query({ townId, convoyId });
      if (convoy.status !== 'active') return convoy;
      await delay(250);
    }
  }

  test('mid claims and closes: no bead held by two agents, no answered outcome lost, counters equal their rows', {
    timeout: 240_000,
  }, async () => {
    const random = seededRandom(SEED);
    const townId = newTownId('crash-work');
    // Failed attempts would open the rigs' breakers (5 by default): out of the way, up to 100.
    await api.town.setSettings.mutate({ townId, breakerFailures: 100 });
    const rigs: { id: string }[] = [];
    for (let i = 0; i < RIGS; i++) rigs.push(await api.rig.register.mutate({ townId, name: `rig-${i}` }));
    const rigOf = (i: number) => rigs[i % RIGS]?.id ?? '';
    const plans: BeadPlan[] = Array.from({ length: BEADS }, (_, i) => {
      const r = random();
      if (i < FAILING_FROM_FIRST && r < 0.15) return 'fail-then-done';
      if (i < FAILING_FROM_FIRST && r < 0.2) return 'fail-twice';
      return r > 0.93 ? 'skip' : 'done';
    });
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'crash: claims and closes',
      maxAttempts: 2,
      beads: plans.map((_, i) => ({ rigId: rigOf(i), title: `bead ${i}` })),
    });
    const planOf = new Map(convoy.beadIds.map((id, i) => [id, plans[i] as BeadPlan]));
    const rigOfBead = new Map(convoy.beadIds.map((id, i) => [id, rigOf(i)]));

    const log: WorkLog = { answers: [], settled: new Set(), conflicts: [], retries: 0 };
    const killAfterCloses = 40 + Math.floor(random() * 80);
    let closes = 0;
    let answersBeforeKill = -1;
    let killed: Promise<void> | null = null;
    const onClose = () => {
      closes++;
      if (closes === killAfterCloses && !killed) {
        answersBeforeKill = log.answers.length;
        killed = dev.killAndRestart();
      }
    };
    const agents = Array.from({ length: AGENTS }, (_, k) =>
      runAgent({ api, townId, rigId: rigOf(k), agentId: `agent-${k}`, planOf, totalBeads: BEADS, log, onClose }),
    );
    await Promise.all(agents);
    await killed;
    assert.ok(answersBeforeKill > 0, 'the runtime was killed in the middle of the work');
    assert.ok(log.retries > 0, 'calls were lost to the kill and sent again');
    assert.deepEqual(log.conflicts, [], 'no agent lost a bead it held (leases outlive the restart)');

    // Exclusivity: one agent per (bead, attempt) — no lease expired and none was released, so a second
    // agent on an attempt is a bead held twice; and no claim of a bead after its final close was answered.
    const holderOf = new Map<string, string>();
    const finalCloseSeq = new Map<string, number>();
    for (const answer of log.answers) {
      if (answer.kind === 'close' && answer.status === 'closed') finalCloseSeq.set(answer.beadId, answer.seq);
    }
    for (const answer of log.answers.filter((a): a is Extract<Answer, { kind: 'claim' }> => a.kind === 'claim')) {
      const key = `${answer.beadId}#${answer.attempt}`;
      const holder = holderOf.get(key) ?? answer.agentId;
      assert.equal(answer.agentId, holder, `attempt ${answer.attempt} of ${answer.beadId} held by ${holder} and ${answer.agentId}`);
      holderOf.set(key, holder);
      assert.ok(answer.seq < (finalCloseSeq.get(answer.beadId) ?? Infinity), `${answer.beadId} claimed after its final close was answered`);
    }

    // Every close answered 200 (before the kill or after) is in the final state.
    const settled = await settledConvoy(townId, convoy.id);
    const townBeads = new Map((await convoyBeads(townId, convoy.id)).map((b) => [b.id, b]));
    const rigBeadsById = new Map((await Promise.all(rigs.map((r) => rigBeads(townId, r.id)))).flat().map((b) => [b.id, b]));
    assert.equal(townBeads.size, BEADS);
    assert.equal(rigBeadsById.size, BEADS);
    for (const answer of log.answers) {
      if (answer.kind !== 'close') continue;
      const town = townBeads.get(answer.beadId);
      const rig = rigBeadsById.get(answer.beadId);
      const when = answer.seq < answersBeforeKill ? 'before the kill' : 'after the restart';
      if (answer.status === 'closed') {
        assert.equal(town?.outcome, answer.beadOutcome, `town: ${answer.beadId} answered ${answer.beadOutcome} ${when}`);
        assert.equal(rig?.outcome, answer.beadOutcome, `rig: ${answer.beadId} answered ${answer.beadOutcome} ${when}`);
      } else {
        // A failed attempt with one left: the bead went on to a later attempt.
        assert.ok((rig?.attempt ?? 0) > answer.attempt, `${answer.beadId}: the failed attempt ${answer.attempt} answered ${when} was kept`);
      }
    }
    const expected = (plan: BeadPlan): Outcome => (plan === 'skip' ? 'skipped' : plan === 'fail-twice' ? 'failed' : 'done');
    for (const [beadId, plan] of planOf) {
      assert.equal(townBeads.get(beadId)?.status, 'closed', `${beadId} closed in the town`);
      assert.equal(townBeads.get(beadId)?.outcome, expected(plan), `${beadId} (${plan}) in the town`);
      assert.equal(rigBeadsById.get(beadId)?.outcome, expected(plan), `${beadId} (${plan}) in its rig`);
    }

    // Every counter equals its rows, in total and per rig; the convoy ends as its beads say.
    const count = (outcome: Outcome, rigId?: string) =>
      [...townBeads.values()].filter((b) => b.outcome === outcome && (rigId === undefined || rigOfBead.get(b.id) === rigId)).length;
    const counters = (c: { totalBeads: number; closedBeads: number; doneBeads: number; failedBeads: number; skippedBeads: number }) => ({
      totalBeads: c.totalBeads,
      closedBeads: c.closedBeads,
      doneBeads: c.doneBeads,
      failedBeads: c.failedBeads,
      skippedBeads: c.skippedBeads,
    });
    const rowsSay = (rigId?: string) => ({
      totalBeads: rigId === undefined ? BEADS : [...rigOfBead.values()].filter((r) => r === rigId).length,
      closedBeads: count('done', rigId) + count('failed', rigId) + count('skipped', rigId),
      doneBeads: count('done', rigId),
      failedBeads: count('failed', rigId),
      skippedBeads: count('skipped', rigId),
    });
    assert.deepEqual(counters(settled), rowsSay());
    assert.deepEqual(
      settled.rigs.map((r) => [r.rigId, counters(r)]),
      [...rigs.map((r) => r.id)].sort().map((id) => [id, rowsSay(id)]),
    );
    assert.ok(count('failed') > 0, 'the seed fails some beads for good');
    assert.equal(settled.status, 'failed');
    assert.ok(settled.failedAt !== null && settled.landedAt === null);
  });

  /** Polls the event log until the watcher's delivery of `convoy.landed` is recorded as delivered. */
  test('waitForRigs false: killed right after the answer, every rig still gets its beads once', { timeout: 300_000 }, async () => {
    const townId = newTownId('crash-create');
    const rigIds: string[] = [];
    for (let i = 0; i < 5; i++) rigIds.push((await api.rig.register.mutate({ townId, name: `rig-${i}` })).id);
    // Enough beads per rig that the deliveries are still in flight when the kill lands.
    const beads = Array.from({ length: 5_000 }, (_, i) => ({ rigId: rigIds[i % rigIds.length] ?? '', title: `bead ${i}` }));
    const convoy = await api.convoy.create.mutate({ townId, title: 'fast', beads, waitForRigs: false });
    assert.ok(convoy.pendingDeliveries > 0, 'answered before the rigs had their beads');
    await dev.killAndRestart();
    // The alarm (armed before the answer) brings what the kill interrupted; the suite's timeout bounds this.
    for (;;) {
      if ((await api.convoy.get.query({ townId, convoyId: convoy.id })).pendingDeliveries === 0) break;
      await delay(250);
    }
    for (const [r, rigId] of rigIds.entries()) {
      const held = (await rigBeads(townId, rigId)).map((b) => b.id).sort();
      const expected = convoy.beadIds.filter((_, i) => i % rigIds.length === r).sort();
      assert.deepEqual(held, expected, `rig ${r} holds each of its beads once`);
    }
  });

  async function landingDelivered(townId: string, convoyId: string, watcherId: string) {
    for (;;) {
      const page = await api.event.list.query({ townId, convoyId, types: ['notification.delivered', 'notification.failed'], limit: 200 });
      const settled = page.items.filter((e) => (e.data as { watcherId?: string }).watcherId === watcherId);
      if (settled.length > 0) return settled;
      await delay(250);
    }
  }

  const killPoints = [
    { name: 'while the delivery waits for its answer', holdFirst: true },
    { name: 'right after the last close is sent', holdFirst: false },
  ];
  for (const [index, killPoint] of killPoints.entries()) {
    test(`a watcher is told of the landing once per webhook-id, signed with its own secret: kill ${killPoint.name}`, {
      timeout: 180_000,
    }, async () => {
      const receiver = await startReceiver({ holdFirst: killPoint.holdFirst });
      try {
        const townId = newTownId('crash-watch');
        const rig = await api.rig.register.mutate({ townId, name: 'rig-w' });
        const convoy = await api.convoy.create.mutate({
          townId,
          title: 'crash: a watched landing',
          beads: [1, 2, 3].map((n) => ({ rigId: rig.id, title: `bead ${n}` })),
          watchers: [{ webhookUrl: receiver.url }],
        });
        const watcher = convoy.newWatchers[0];
        assert.ok(watcher?.signingSecret, 'a webhook watcher gets its own secret');
        const [last, ...others] = [...convoy.beadIds].reverse();
        for (const beadId of others) await api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId });
        const closeLast = () => api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: last ?? '' });
        if (killPoint.holdFirst) {
          await closeLast();
          await receiver.firstArrived;
          await dev.killAndRestart();
          receiver.release();
        } else {
          // Sent, not awaited: the close, its report to the town, the landing and the delivery race the kill.
          const lost = closeLast().catch(() => null);
          await delay(Math.floor(seededRandom(SEED + index)() * 30));
          await dev.killAndRestart();
          await lost;
          // A repeated close is idempotent: it lands the convoy if the kill came first, else changes nothing.
          await closeLast();
        }
        const settled = await landingDelivered(townId, convoy.id, watcher.watcherId);
        assert.deepEqual(
          settled.map((e) => e.type),
          ['notification.delivered'],
        );
        assert.equal((await api.convoy.get.query({ townId, convoyId: convoy.id })).status, 'landed');

        const landings = receiver.deliveries.filter((d: Delivery) => JSON.parse(d.body).type === 'convoy.landed');
        assert.ok(landings.length >= 1);
        if (killPoint.holdFirst) assert.ok(landings.length >= 2, 'the delivery killed in flight was sent again');
        assert.equal(new Set(landings.map((d) => d.headers['webhook-id'])).size, 1, 'one webhook-id for the one landing');
        const verifier = new Webhook(watcher.signingSecret);
        for (const delivery of receiver.deliveries) assert.doesNotThrow(() => verifier.verify(delivery.body, delivery.headers));
        assert.deepEqual(
          receiver.deliveries.map((d) => JSON.parse(d.body).type),
          landings.map(() => 'convoy.landed'),
          'the watcher is told of nothing else',
        );
      } finally {
        await receiver.close();
      }
    });
  }
});
