import { Webhook } from 'standardwebhooks';
import { check, say, startWebhookReceiver, town, townId, until } from './common.ts';

/** Step 7: 60 raises over 6 dedup keys (a flapping CI) end as 6 escalations and one digest per channel. */
export async function storm(rigId: string) {
  say('\n7. A storm that ends as one digest');
  const hook = await startWebhookReceiver();
  try {
    await town.escalation.setRouting.mutate({ townId, webhookUrl: hook.url, groupWaitSeconds: 2, groupIntervalSeconds: 300 });
    // A new secret for the town (the old one still signs for 24 h), so this step can verify what it gets.
    const { signingSecret } = await town.escalation.rotateSigningSecret.mutate({ townId });
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
    const signed = (h: (typeof digests)[number]) => {
      try {
        new Webhook(signingSecret).verify(h.body, h.headers);
        return true;
      } catch {
        return false;
      }
    };
    check(digests.length === 1 && digests[0]?.type === 'escalation.group' && signed(digests[0]), 'one signed escalation.group');
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
