import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it, vi } from 'vitest';
import * as schema from '../schema/town';
import type { RoutingUpdate } from '../server/escalations/routing';
import { report } from './report';
import { benchTown, quietLogs, townStub, value } from './town';

// Scenario 13: an escalation storm. 1,000 high raises over 100 dedup keys, spread evenly over one
// minute of a controlled clock, then the clock runs on until every group has gone out. Counted: the
// notifications written to the outbox, per channel. Baseline, in the same run: the same storm the way
// today's callers raise it (no dedupKey, grouping off), one notification per raise and channel.

const SCENARIO = '13. escalation storm (1,000 raises, 100 keys, 1 min)';
const RAISES = 1_000;
const KEYS = 100;
const STORM_MS = 60_000;
const AFTER_STORM_MS = 15 * 60_000; // long enough for the last group interval to pass
const CHANNELS = ['mayor', 'webhook', 'email'] as const;
// Local dev allows http; nothing listens on the discard port, so deliveries fail fast (rows are counted, not deliveries).
const ROUTING: RoutingUpdate = { webhookUrl: 'http://127.0.0.1:9/hook', emailTo: 'oncall@example.com' };

type Counts = Record<(typeof CHANNELS)[number], number> & { groups: number };

async function storm(label: string, routing: RoutingUpdate, withKeys: boolean): Promise<Counts> {
  const town = await benchTown(label, 1);
  const rigId = town.rigs[0]?.id as string;
  value(await town.stub.setEscalationRouting(town.townId, { ...ROUTING, ...routing }));
  const t0 = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    for (let i = 0; i < RAISES; i++) {
      vi.setSystemTime(t0 + Math.floor((i * STORM_MS) / RAISES));
      const key = `storm:${i % KEYS}`;
      value(
        await town.stub.raiseEscalation(town.townId, {
          sourceRigId: rigId,
          severity: 'high',
          message: `disk full on worker ${i % KEYS}`,
          ...(withKeys && { dedupKey: key }),
        }),
      );
    }
    // Run the town's alarm as the clock moves on, so every held group goes out.
    for (let at = STORM_MS; at <= AFTER_STORM_MS; at += 30_000) {
      vi.setSystemTime(t0 + at);
      await runDurableObjectAlarm(townStub(town.townId));
    }
  } finally {
    vi.useRealTimers();
  }
  return runInDurableObject(townStub(town.townId), (_i, state) => {
    const rows = drizzle(state.storage, { schema }).select().from(schema.outbox).all();
    const count = (channel: string) => rows.filter((r) => r.channel === channel).length;
    return {
      mayor: count('mayor'),
      webhook: count('webhook'),
      email: count('email'),
      groups: new Set(rows.filter((r) => r.type === 'escalation.group').map((r) => r.eventId)).size,
    };
  });
}

it(SCENARIO, async () => {
  quietLogs();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const today = await storm('storm-today', { groupWaitSeconds: 0 }, false);
  const dedup = await storm('storm-dedup', { groupWaitSeconds: 0 }, true);
  const grouped = await storm('storm-grouped', { groupWaitSeconds: 30, groupIntervalSeconds: 300 }, true);
  if (today.mayor !== RAISES) throw new Error(`the baseline sent ${today.mayor} Mayor notifications, not ${RAISES}`);
  const worst = (c: Counts) => Math.max(c.mayor, c.webhook, c.email);
  const target = KEYS + grouped.groups;
  const met = worst(grouped) <= target && worst(dedup) <= KEYS;
  const per = (c: Counts) => `mayor ${c.mayor}, webhook ${c.webhook}, email ${c.email}`;
  await report([
    { scenario: SCENARIO, measure: 'baseline: no dedupKey, grouping off (per channel)', value: String(worst(today)), note: per(today) },
    {
      scenario: SCENARIO,
      measure: 'dedupKey, grouping off (per channel)',
      value: String(worst(dedup)),
      target: `≤ ${KEYS}`,
      met: worst(dedup) <= KEYS,
      note: `${per(dedup)}; one per key`,
    },
    {
      scenario: SCENARIO,
      measure: 'dedupKey + grouping 30 s / 300 s (per channel)',
      value: String(worst(grouped)),
      target: `≤ ${KEYS} + digests`,
      met,
      note: `${per(grouped)}; ${grouped.groups} digests (escalation.group), each listing the keys first seen in its window`,
    },
  ]);
});
