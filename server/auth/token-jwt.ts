import { jwtVerify, SignJWT } from 'jose';

// Scoped tokens are JWTs (HS256) made and checked with `jose`, keyed by the `TOKEN_SIGNING_KEY` secret.
// Only the signing and the claim shapes live here; who may hold which token is `auth.ts`, issuing and
// revoking is `auth/tokens.ts`.

export type TokenRole = 'town' | 'rig';

export interface TokenClaims {
  townId: string;
  role: TokenRole;
  /** The rig a `rig` token is bound to; null for a `town` token. */
  rigId: string | null;
  /** The token's id: its row in the town's `auth_tokens` (revocation). */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Below this, an HMAC key is guessable offline from any one token. */
export const SIGNING_KEY_MIN_BYTES = 32;
const ALGORITHM = 'HS256';
const encoder = new TextEncoder();

/** Why `TOKEN_SIGNING_KEY` cannot sign, or null when it can. Said to operators, never with the key. */
export function signingKeyProblem(key: string | undefined): string | null {
  if (!key) return 'TOKEN_SIGNING_KEY is not configured: scoped tokens cannot be issued (`wrangler secret put TOKEN_SIGNING_KEY`)';
  if (encoder.encode(key).length < SIGNING_KEY_MIN_BYTES) return `TOKEN_SIGNING_KEY is shorter than ${SIGNING_KEY_MIN_BYTES} bytes`;
  return null;
}

// One imported key per isolate: importing costs more than verifying.
let cachedKey: { source: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(source: string): Promise<CryptoKey> {
  if (cachedKey?.source !== source) {
    const key = crypto.subtle.importKey('raw', encoder.encode(source), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    cachedKey = { source, key };
  }
  return cachedKey.key;
}

export async function signToken(signingKey: string, claims: TokenClaims): Promise<string> {
  const { jti, exp, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(await hmacKey(signingKey));
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The claims of a token this deployment signed and that has not expired, or null: a bad signature,
 * another key, `alg: none` or any other algorithm, an expired or malformed token are all just "no".
 */
export async function verifyToken(signingKey: string | undefined, token: string): Promise<TokenClaims | null> {
  if (signingKeyProblem(signingKey) || !signingKey) return null;
  try {
    const { payload } = await jwtVerify(token, await hmacKey(signingKey), { algorithms: [ALGORITHM], requiredClaims: ['exp', 'jti'] });
    const { townId, role, rigId, jti, exp } = payload;
    if (!isString(townId) || !isString(jti) || typeof exp !== 'number') return null;
    if (role === 'town' && (rigId === null || rigId === undefined)) return { townId, role, rigId: null, jti, exp };
    if (role === 'rig' && isString(rigId)) return { townId, role, rigId, jti, exp };
    return null;
  } catch {
    return null;
  }
}
