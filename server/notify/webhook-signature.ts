// Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256>` over
// `${id}.${timestamp}.${body}`, keyed by the base64-decoded part of a `whsec_…` secret.

const SECRET_PREFIX = 'whsec_';
const encoder = new TextEncoder();

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** The HMAC key of a `whsec_…` secret; throws a message an operator can act on when it is malformed. */
export function signingKey(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = base64ToBytes(encoded);
  } catch {
    throw new Error('WEBHOOK_SIGNING_SECRET is not `whsec_` followed by base64');
  }
  if (key.length < 16) throw new Error('WEBHOOK_SIGNING_SECRET key is shorter than 16 bytes');
  return key;
}

/** The `webhook-signature` header value for one message. `timestampSeconds` is the `webhook-timestamp`. */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', signingKey(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${bytesToBase64(mac)}`;
}
