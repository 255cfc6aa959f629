import { jwtVerify, SignJWT } from 'jose';
import { isLocalDev } from '../core/environment';

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
/**
 * The `dev` environment's key, public in wrangler.jsonc: anyone can sign with it, so a deployed
 * environment (ENVIRONMENT other than `dev`) that uses it neither issues nor accepts tokens.
 */
export const DEV_TOKEN_SIGNING_KEY = 'dev-only-token-signing-key-never-deployed-0123456789';
/** Who signs (`iss`) and for whom (`aud`): a JWT made for another service with a shared key is refused. */
export const TOKEN_ISSUER = 'town';
export const TOKEN_AUDIENCE = 'town-api';
const ALGORITHM = 'HS256';
const encoder = new TextEncoder();

/** Why the environment's `TOKEN_SIGNING_KEY` cannot sign, or null when it can. Said to operators, never with the key. */
export function signingKeyProblem(env: Pick<Env, 'TOKEN_SIGNING_KEY' | 'ENVIRONMENT'>): string | null {
  const key = env.TOKEN_SIGNING_KEY;
  if (!key) return 'TOKEN_SIGNING_KEY is not configured: scoped tokens cannot be issued (`wrangler secret put TOKEN_SIGNING_KEY`)';
  if (encoder.encode(key).length < SIGNING_KEY_MIN_BYTES) return `TOKEN_SIGNING_KEY is shorter than ${SIGNING_KEY_MIN_BYTES} bytes`;
  if (key === DEV_TOKEN_SIGNING_KEY && !isLocalDev(env)) {
    return 'TOKEN_SIGNING_KEY is the public dev key from wrangler.jsonc: set a secret one (`wrangler secret put TOKEN_SIGNING_KEY`)';
  }
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
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
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
export async function verifyToken(env: Pick<Env, 'TOKEN_SIGNING_KEY' | 'ENVIRONMENT'>, token: string): Promise<TokenClaims | null> {
  const signingKey = env.TOKEN_SIGNING_KEY;
  if (signingKeyProblem(env) || !signingKey) return null;
  try {
    const { payload } = await jwtVerify(token, await hmacKey(signingKey), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'jti', 'iss', 'aud'],
    });
    const { townId, role, rigId, jti, exp } = payload;
    if (!isString(townId) || !isString(jti) || typeof exp !== 'number') return null;
    if (role === 'town' && (rigId === null || rigId === undefined)) return { townId, role, rigId: null, jti, exp };
    if (role === 'rig' && isString(rigId)) return { townId, role, rigId, jti, exp };
    return null;
  } catch {
    return null;
  }
}
