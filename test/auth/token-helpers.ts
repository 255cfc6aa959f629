import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { client } from '../helpers';

// Tokens for the tenancy suites: real ones issued through the API, and forged or broken ones made here.

const admin = client();

export async function issueToken(townId: string, role: 'town' | 'rig', rigId?: string, ttlSeconds = 3600) {
  return admin.auth.issueToken.mutate({ townId, role, rigId, ttlSeconds, label: `test ${role}` });
}

/** The dev `TOKEN_SIGNING_KEY` from wrangler.jsonc `env.dev`. */
export function devTokenKey(): string {
  const key = env.TOKEN_SIGNING_KEY;
  if (!key) throw new Error('TOKEN_SIGNING_KEY is missing from the dev config');
  return key;
}

const decodeSegment = (segment: string) => JSON.parse(atob(segment.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
const encodeSegment = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export function claimsOf(token: string): Record<string, unknown> {
  return decodeSegment(token.split('.')[1] ?? '');
}

/** A JWT with `claims`, signed HS256 with `key` (the dev key unless given). */
export async function forgeToken(claims: Record<string, unknown>, key = devTokenKey()): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(key));
}

/** The same token with one character of its signature changed. */
export function tamperedSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const i = Math.floor(signature.length / 2);
  const swapped = signature[i] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, i)}${swapped}${signature.slice(i + 1)}`;
}

/** The same claims under `alg: none` with no signature: the classic JWT bypass. */
export function unsignedToken(token: string): string {
  return `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`;
}

/** A call the way curl would make it; subscriptions (SSE) are GETs whose stream is cancelled after the status. */
export async function callAs(
  token: string | null,
  p: { path: string; type: string },
  input: unknown,
): Promise<{ status: number; code: string | null; message: string | null; text: string }> {
  const method = p.type === 'mutation' ? 'POST' : 'GET';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
  const res = await exports.default.fetch(
    new Request(`http://town.test/trpc/${p.path}${query}`, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(input) }),
  );
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, code: null, message: null, text: '' };
  }
  const text = await res.text();
  const error = res.ok ? null : (JSON.parse(text) as { error?: { message: string; data: { code: string } } }).error;
  return { status: res.status, code: error?.data.code ?? null, message: error?.message ?? null, text };
}
