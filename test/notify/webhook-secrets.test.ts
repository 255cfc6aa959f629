import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { DAY_MS } from '../../server/core/time';
import { openTownDb } from '../../server/core/town-db';
import { raiseEscalation } from '../../server/escalations/escalations';
import { deliverOutboxTask } from '../../server/notify/delivery';
import { client, devSigningSecret, quietConsole } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { settle, townWithRig } from '../town-helpers';

// Each town signs its webhooks with its own secret, so town A's receiver cannot forge what town B's
// accepts; a rotation signs with both secrets for 24 h, then with the new one only. Verified with the
// `standardwebhooks` library, as a receiver would.

const api = client();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

type Hook = { headers: Record<string, string>; body: string };
const verifies = (secret: string, hook: Hook | undefined) => {
  if (!hook) throw new Error('no webhook was received');
  try {
    new Webhook(secret).verify(hook.body, hook.headers);
    return true;
  } catch {
    return false;
  }
};

async function hookedTown() {
  quietConsole('log', 'warn');
  const town = await townWithRig('secret');
  const set = await api.escalation.setRouting.mutate({ townId: town.townId, webhookUrl: hookUrl(town.townId) });
  return { ...town, secret: set.signingSecret ?? '' };
}

async function raiseAndDeliver(townId: string, rigId: string) {
  const { escalation } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'disk full' });
  await settle(townId);
  await api.escalation.acknowledge.mutate({ townId, escalationId: escalation.id }); // no re-escalations later
  return (await receivedHooks(townId)).at(-1);
}

describe('per-town webhook secrets', () => {
  it("a town's first webhook URL creates its secret, returned once; its webhooks verify with it and with no other town's", async () => {
    const a = await hookedTown();
    const b = await hookedTown();
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(b.secret).toMatch(/^whsec_/);
    expect(a.secret).not.toBe(b.secret);
    // A later URL change keeps the secret and does not show it again.
    const again = await api.escalation.setRouting.mutate({ townId: a.townId, webhookUrl: hookUrl(a.townId) });
    expect(again).not.toHaveProperty('signingSecret');
    const routing = await api.escalation.getRouting.query({ townId: a.townId });
    expect(routing).toMatchObject({ signingSecretConfigured: true, signingSecretRotatedAt: null });
    expect(JSON.stringify(routing)).not.toContain(a.secret.slice('whsec_'.length));

    const hook = await raiseAndDeliver(a.townId, a.rigId);
    expect(hook?.headers['webhook-signature']).toMatch(/^v1,[^ ]+$/);
    expect(verifies(a.secret, hook)).toBe(true);
    expect(verifies(b.secret, hook)).toBe(false);
    expect(verifies(devSigningSecret(), hook)).toBe(false);
  });

  it('rotation: both secrets sign for 24 h, then only the new one', async () => {
    const { townId, rigId, secret: old } = await hookedTown();
    vi.useFakeTimers({ toFake: ['Date'] });
    const rotated = await api.escalation.rotateSigningSecret.mutate({ townId });
    expect(rotated.signingSecret).not.toBe(old);
    expect(Date.parse(rotated.previousRetiresAt ?? '')).toBe(Date.now() + DAY_MS);
    const routing = await api.escalation.getRouting.query({ townId });
    expect(routing.signingSecretRotatedAt).toBe(new Date(Date.now()).toISOString());
    expect(JSON.stringify(routing)).not.toContain(rotated.signingSecret.slice('whsec_'.length));

    const during = await raiseAndDeliver(townId, rigId);
    expect(during?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifies(rotated.signingSecret, during)).toBe(true);
    expect(verifies(old, during)).toBe(true);

    vi.setSystemTime(Date.now() + DAY_MS + 1_000);
    const after = await raiseAndDeliver(townId, rigId);
    expect(after?.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(verifies(rotated.signingSecret, after)).toBe(true);
    expect(verifies(old, after)).toBe(false);
  });

  it("the environment's secret signs only deliveries to the environment's default URL", async () => {
    const { townId, stub } = await townWithRig('env-url');
    const { signingSecret: townSecret } = await api.escalation.rotateSigningSecret.mutate({ townId });
    const name = `env-default-${townId}`;
    await runInDurableObject(stub, async (_i, state) => {
      const ctx = {
        db: await openTownDb(state.storage),
        env: { ...env, ESCALATION_WEBHOOK_URL: hookUrl(name) },
        townId,
        now: () => new Date(),
      };
      raiseEscalation(ctx, { sourceRigId: 'town-container', severity: 'high', message: 'to the default URL' });
      const row = ctx.db
        .select()
        .from(schema.outbox)
        .all()
        .find((r) => r.channel === 'webhook');
      if (!row) throw new Error('no webhook row');
      await deliverOutboxTask(
        ctx,
        { id: `outbox:${row.id}`, kind: 'outbox.deliver', payload: { outboxId: row.id }, attempts: 0 },
        new Set(),
      );
    });
    const [hook] = await receivedHooks(name);
    expect(verifies(devSigningSecret(), hook)).toBe(true);
    expect(verifies(townSecret, hook)).toBe(false);
  });
});
