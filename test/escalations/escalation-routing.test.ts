import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { webhookUrlProblem } from '../../server/notify/targets';
import { client, devSigningSecret, expectTrpcError, routingEventIds } from '../helpers';
import { hookUrl, receivedHooks } from '../receiver';
import { outboxRows, settle, townWithRig } from '../town-helpers';

const api = client();
let emailSend: MockInstance<SendEmail['send']>;

beforeEach(() => {
  emailSend = vi.spyOn(env.EMAIL, 'send');
});
afterEach(() => {
  emailSend.mockRestore();
});

/** The structured messages the email binding was asked to send (the structured `send` form). */
const sentEmails = () => emailSend.mock.calls.map(([message]) => message as unknown as { to: string; subject: string; text: string });

describe('escalation routing', () => {
  it('routes each severity to exactly its channels: Mayor, webhook and email', async () => {
    const { townId, rigId } = await townWithRig();
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId), emailTo: 'oncall@example.com' });
    const logs = vi.spyOn(console, 'log');
    const raised = {} as Record<'low' | 'medium' | 'high' | 'critical', { id: string; routedTo: string[] }>;
    for (const severity of ['low', 'medium', 'high', 'critical'] as const) {
      const { escalation, routedTo } = await api.escalation.raise.mutate({
        townId,
        sourceRigId: rigId,
        severity,
        message: `${severity} trouble`,
      });
      raised[severity] = { id: escalation.id, routedTo };
    }
    const lowLog = logs.mock.calls.map(([line]) => JSON.parse(String(line))).find((l) => l.escalationId === raised.low.id);
    logs.mockRestore();
    await settle(townId);

    expect(raised.low.routedTo).toEqual([]);
    expect(raised.medium.routedTo).toEqual(['mayor']);
    expect(raised.high.routedTo).toEqual(['mayor', 'webhook', 'email']);
    expect(raised.critical.routedTo).toEqual(['mayor', 'webhook', 'email']);
    // Low: recorded and logged, nothing else.
    expect(lowLog).toMatchObject({ level: 'info', event: 'escalation.raised', severity: 'low', routedTo: [] });
    const [lowEvent] = await routingEventIds(townId, raised.low.id);
    expect(lowEvent).toMatch(/^\d{16}$/); // recorded in the log, though routed nowhere
    expect((await outboxRows(townId)).some((r) => r.eventId === lowEvent)).toBe(false);

    const eventIds = Object.fromEntries(
      await Promise.all(Object.entries(raised).map(async ([s, r]) => [s, (await routingEventIds(townId, r.id))[0]] as const)),
    );
    const event = (s: keyof typeof raised) => eventIds[s];
    const mail = (await api.mayor.mail.list.query({ townId })).items;
    expect(mail.map((m) => m.id).sort()).toEqual([event('medium'), event('high'), event('critical')].sort());
    const highMail = mail.find((m) => m.id === event('high'));
    expect(highMail).toMatchObject({ type: 'escalation.raised', read: false, subject: expect.stringContaining('HIGH escalation') });
    expect(highMail?.body).toContain('high trouble');
    expect(highMail?.body).toContain('rig alpha');

    const hooks = await receivedHooks(townId);
    expect(hooks.map((h) => h.headers['webhook-id']).sort()).toEqual([event('high'), event('critical')].sort());
    const criticalHook = hooks.find((h) => h.headers['webhook-id'] === event('critical'));
    expect(JSON.parse(criticalHook?.body ?? '{}')).toMatchObject({
      type: 'escalation.raised',
      timestamp: expect.any(String),
      data: { townId, escalation: { id: raised.critical.id, severity: 'critical', message: 'critical trouble' } },
    });

    const emails = sentEmails();
    expect(emails.map((e) => e.to)).toEqual(['oncall@example.com', 'oncall@example.com']);
    expect(emails.map((e) => e.subject).sort()).toEqual([
      expect.stringMatching(/^\[town .+\] CRITICAL escalation from alpha: critical trouble$/),
      expect.stringMatching(/^\[town .+\] HIGH escalation from alpha: high trouble$/),
    ]);
    expect(emails[0]?.text).toMatch(/Acknowledge it with escalation\.acknowledge/);

    const deliveries = await api.escalation.deliveries.query({ townId, escalationId: raised.high.id });
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts])).toEqual(
      expect.arrayContaining([
        ['mayor', 'delivered', 1],
        ['webhook', 'delivered', 1],
        ['email', 'delivered', 1],
      ]),
    );
  });

  it('sends high escalations only to the Mayor when no webhook or email is configured', async () => {
    const { townId, rigId } = await townWithRig();
    const { escalation, routedTo } = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'x' });
    await settle(townId);
    expect(routedTo).toEqual(['mayor']);
    expect((await outboxRows(townId)).map((r) => r.channel)).toEqual(['mayor']);
    expect((await api.mayor.mail.list.query({ townId })).items.map((m) => m.id)).toEqual(await routingEventIds(townId, escalation.id));
    expect(emailSend).not.toHaveBeenCalled();
  });

  it('follows per-town routes', async () => {
    const { townId, rigId } = await townWithRig();
    await api.escalation.setRouting.mutate({ townId, emailTo: 'ops@example.com', routes: { low: ['email'], high: [] } });
    const low = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'low', message: 'low but mailed' });
    const high = await api.escalation.raise.mutate({ townId, sourceRigId: rigId, severity: 'high', message: 'muted' });
    await settle(townId);
    expect(low.routedTo).toEqual(['email']);
    expect(high.routedTo).toEqual([]);
    expect(sentEmails().map((e) => e.subject)).toEqual([expect.stringContaining('low but mailed')]);
    expect((await api.mayor.mail.list.query({ townId })).items).toEqual([]);
  });
});

describe('routing settings', () => {
  it('starts from the environment defaults and never returns the signing secret', async () => {
    const { townId } = await townWithRig();
    const routing = await api.escalation.getRouting.query({ townId });
    expect(routing).toEqual({
      webhookUrl: null,
      webhookDisabled: null,
      webhookAllowAnyPort: false,
      emailTo: null,
      routes: { low: [], medium: ['mayor'], high: ['mayor', 'webhook', 'email'], critical: ['mayor', 'webhook', 'email'] },
      staleAfterMinutes: 240,
      maxReEscalations: 3,
      groupWaitSeconds: 0, // the test environment's ESCALATION_GROUP_WAIT_SECONDS (vitest.config.ts); deployed: 30
      groupIntervalSeconds: 300,
      signingSecretConfigured: true,
      signingSecretRotatedAt: null,
    });
    expect(JSON.stringify(routing)).not.toContain(devSigningSecret().slice(6));
  });

  it('sets fields, and null returns a field to its default', async () => {
    const { townId } = await townWithRig();
    const set = await api.escalation.setRouting.mutate({
      townId,
      webhookUrl: 'https://hooks.example.com/town',
      emailTo: 'ops@example.com',
      routes: { medium: [] },
      staleAfterMinutes: 30,
      maxReEscalations: 1,
    });
    expect(set).toMatchObject({
      webhookUrl: 'https://hooks.example.com/town',
      emailTo: 'ops@example.com',
      staleAfterMinutes: 30,
      maxReEscalations: 1,
    });
    expect(set.routes).toMatchObject({ medium: [], high: ['mayor', 'webhook', 'email'] });
    const reset = await api.escalation.setRouting.mutate({ townId, emailTo: null, routes: null, staleAfterMinutes: null });
    expect(reset).toMatchObject({
      webhookUrl: 'https://hooks.example.com/town',
      emailTo: null,
      staleAfterMinutes: 240,
      maxReEscalations: 1,
    });
    expect(reset.routes.medium).toEqual(['mayor']);
    expect(await api.escalation.getRouting.query({ townId })).toEqual(reset);
  });

  it('rejects bad settings with BAD_REQUEST naming the field, changing nothing', async () => {
    const { townId } = await townWithRig();
    const before = await api.escalation.getRouting.query({ townId });
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, webhookUrl: 'not a url' }), 'BAD_REQUEST', /webhookUrl/);
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, webhookUrl: 'ftp://example.com/x' }), 'BAD_REQUEST', /webhookUrl/);
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, emailTo: 'nobody' }), 'BAD_REQUEST', /emailTo/);
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, staleAfterMinutes: 0 }), 'BAD_REQUEST', /staleAfterMinutes/);
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, maxReEscalations: -1 }), 'BAD_REQUEST', /maxReEscalations/);
    // @ts-expect-error an unknown channel
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, routes: { high: ['pager'] } }), 'BAD_REQUEST', /routes/);
    await expectTrpcError(api.escalation.setRouting.mutate({ townId, routes: { high: ['mayor', 'mayor'] } }), 'BAD_REQUEST', /routes/);
    expect(await api.escalation.getRouting.query({ townId })).toEqual(before);
  });

  it('requires https: when deployed and allows http: only in local dev', () => {
    expect(webhookUrlProblem('https://hooks.example.com', false)).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com', false)).toMatch(/webhookUrl: must be an https: URL/);
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(webhookUrlProblem('ftp://example.com', true)).toMatch(/webhookUrl/);
  });
});
