import type { SendResult } from './delivery-result';
import { signWebhook } from './webhook-signature';

/** How long one delivery attempt may take before it counts as failed and is retried later. */
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;

export interface WebhookMessage {
  url: string;
  /** Every secret that signs it (one `v1,` signature each, space-separated); at least one. */
  secrets: string[];
  /** The event id, the same on every retry so receivers can de-duplicate. */
  eventId: string;
  payload: Record<string, unknown>;
  now: Date;
  timeoutMs?: number;
}

/** How much of a redirect's Location an attempt's error quotes. */
const MAX_QUOTED_LOCATION_CHARS = 200;

/**
 * POSTs one Standard Webhooks message: 2xx delivered; 410 Gone is final; anything else is retried.
 * Redirects are not followed: the URL passed the private-address check, its Location did not, and
 * following would re-post the signed body to wherever the endpoint points (http:, a private host).
 */
export async function postWebhook(message: WebhookMessage): Promise<SendResult> {
  if (message.secrets.length === 0) return { ok: false, error: 'no webhook signing secret' };
  const body = JSON.stringify(message.payload);
  const timestamp = Math.floor(message.now.getTime() / 1000);
  const signatures = await Promise.all(message.secrets.map((secret) => signWebhook(secret, message.eventId, timestamp, body)));
  const signature = signatures.join(' ');
  const timeoutMs = message.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS;
  // A timer we clear ourselves: an `AbortSignal.timeout` left pending would keep the DO's event alive.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
  let response: Response;
  try {
    response = await fetch(message.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': message.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: abort.signal,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, error: timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${String(error)}` };
  } finally {
    clearTimeout(timer);
  }
  await response.body?.cancel();
  if (response.ok) return { ok: true };
  if (response.status === 410) return { ok: false, error: 'endpoint answered 410 Gone', gone: true };
  if (response.status >= 300 && response.status < 400) {
    const location = (response.headers.get('location') ?? 'nowhere').slice(0, MAX_QUOTED_LOCATION_CHARS);
    return { ok: false, error: `endpoint answered HTTP ${response.status} (redirect to ${location}): redirects are not followed` };
  }
  return { ok: false, error: `endpoint answered HTTP ${response.status}` };
}
