import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signingKey, signWebhook } from '../../server/notify/webhook-signature';
import { devSigningSecret } from '../helpers';

// Checked against the Standard Webhooks reference library (an independent implementation of the spec).

describe('webhook signatures (Standard Webhooks)', () => {
  const secret = devSigningSecret();
  const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const body = JSON.stringify({ type: 'escalation.raised', timestamp: '2026-01-01T00:00:00.000Z', data: { n: 1 } });

  it('produces a signature the reference library verifies', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(secret, id, timestamp, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // The library's own signature for the same message is the same string.
    expect(new Webhook(secret).sign(id, new Date(timestamp * 1000), body)).toBe(signature);
  });

  it('fails verification when the body, id or secret differ', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(secret, id, timestamp, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'other' })).toThrow();
    expect(() => new Webhook(`whsec_${btoa('another-key-of-enough-length!!')}`).verify(body, headers)).toThrow();
  });

  it('rejects a malformed secret with a message naming it', () => {
    expect(() => signingKey('whsec_***')).toThrow(/WEBHOOK_SIGNING_SECRET/);
    expect(() => signingKey(`whsec_${btoa('short')}`)).toThrow(/shorter than 16 bytes/);
  });
});
