import { verifyToken } from './token-jwt';

// Who is calling (the Principal) and what a procedure lets through (its Access). The one middleware in
// trpc.ts and the Worker's pre-stream gate both decide with the functions here, so there is one rule.

const encoder = new TextEncoder();

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(text));
}

// The expected token's digest, once per isolate and token (the admin token is compared on every call).
let expectedDigest: { token: string; digest: Promise<ArrayBuffer> } | null = null;

function digestOfExpected(expected: string): Promise<ArrayBuffer> {
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: sha256(expected) };
  return expectedDigest.digest;
}

/** Constant-time token check: both sides are hashed first, so neither length nor content leaks. */
export async function tokenMatches(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), digestOfExpected(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export function bearerToken(header: string | null): string | null {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1] ?? null;
}

/** An authenticated caller: the deployment's admin token, or a scoped token of one town (and rig). */
export type Principal =
  | { role: 'admin' }
  | { role: 'town'; townId: string; tokenId: string; exp: number }
  | { role: 'rig'; townId: string; rigId: string; tokenId: string; exp: number };

/**
 * The caller behind an `Authorization` header, or null (missing, malformed, expired, wrong signature).
 * Revocation is not known here: the TownDO checks it inside the call the procedure makes (`TownCall`).
 */
export async function authenticate(env: Env, authorization: string | null): Promise<Principal | null> {
  const presented = bearerToken(authorization);
  if (!presented) return null;
  if (env.TOWN_API_TOKEN && (await tokenMatches(presented, env.TOWN_API_TOKEN))) return { role: 'admin' };
  const claims = await verifyToken(env, presented);
  if (!claims) return null;
  if (claims.role === 'town') return { role: 'town', townId: claims.townId, tokenId: claims.jti, exp: claims.exp };
  return { role: 'rig', townId: claims.townId, rigId: claims.rigId ?? '', tokenId: claims.jti, exp: claims.exp };
}

/** How a `rig` token is bound to what a procedure touches. */
export type RigBinding =
  /**
   * `input`: the input field naming a rig must name the token's rig (`rig.beads` → `rigId`); `output`:
   * the answer's field (a dotted path) must name it (`escalation.get` → `sourceRigId`: ones it raised).
   * `output` is for queries only: a write is decided before it runs, never by what it answers
   * (the middleware refuses a mutation that declares one).
   */
  | { input: string; output?: never }
  | { input?: never; output: string }
  /** Any rig token of the town; the procedure itself narrows its answer to `ctx.principal`'s rig (events, convoys). */
  | 'narrowed';

/** What a procedure lets through, declared in its tRPC `meta` (`procedure.meta(access.town)`). */
export type Access = { role: 'admin' } | { role: 'town' } | { role: 'rig'; rig: RigBinding };

export interface AccessMeta {
  access?: Access;
}

/** The declarations, one per procedure: `admin` ⊂ `town` ⊂ the `rig` forms (each lets the ones before it through). */
export const access = {
  /** The deployment's admin token only. */
  admin: { access: { role: 'admin' } },
  /** The admin, or a `town` token of the input's town. */
  town: { access: { role: 'town' } },
  /** …or a `rig` token of the rig named by the input field `field`. */
  rig: (field: string): AccessMeta => ({ access: { role: 'rig', rig: { input: field } } }),
  /** …or a `rig` token whose rig the answer's `field` names (queries of one record only). */
  rigOwned: (field: string): AccessMeta => ({ access: { role: 'rig', rig: { output: field } } }),
  /** …or any `rig` token of the town; the procedure narrows what it answers to that rig (NOT_FOUND beyond it). */
  rigNarrowed: { access: { role: 'rig', rig: 'narrowed' } },
} satisfies Record<string, AccessMeta | ((field: string) => AccessMeta)>;

/** `value[a][b]…` for the dotted path `a.b…`, or undefined. */
const field = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, name) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[name] : undefined), value);

/** Whether `principal` may call a procedure declaring `declared` with this (raw, not yet validated) input. */
export function admitsCall(principal: Principal, declared: Access, input: unknown): boolean {
  if (principal.role === 'admin') return true;
  if (declared.role === 'admin') return false;
  // A scoped token acts in its own town only: the input's town must be the token's.
  if (field(input, 'townId') !== principal.townId) return false;
  if (principal.role === 'town') return true;
  if (declared.role !== 'rig') return false;
  const binding = declared.rig;
  return typeof binding === 'object' && binding.input !== undefined ? field(input, binding.input) === principal.rigId : true;
}

/** Whether a procedure's declaration checks its answer (`rigOwned`): allowed on queries only. */
export function checksAnswer(declared: Access): boolean {
  return declared.role === 'rig' && typeof declared.rig === 'object' && declared.rig.output !== undefined;
}

/** Whether `principal` may see this answer (only `rigOwned` queries look at it). */
export function admitsAnswer(principal: Principal, declared: Access, answer: unknown): boolean {
  if (principal.role !== 'rig' || declared.role !== 'rig') return true;
  const binding = declared.rig;
  return typeof binding === 'object' && binding.output !== undefined ? field(answer, binding.output) === principal.rigId : true;
}

/** The rig a principal's answers must be narrowed to (events and convoys: its rig and the convoys it takes part in), or null for all. */
export function narrowedToRig(principal: Principal): string | null {
  return principal.role === 'rig' ? principal.rigId : null;
}

/** Who made a change, as events record it: `admin`, or the scoped token's id (`token:<id>`). */
export function callerName(principal: Principal): string {
  return principal.role === 'admin' ? 'admin' : `token:${principal.tokenId}`;
}

/**
 * How a procedure names its caller to the TownDO: the town id alone (the admin token, and the service's
 * own internal calls), or with the token's claims, which the TownDO checks against the token's row
 * (there, unrevoked, same role and rig, this town) inside the same call: no extra round trip.
 */
export type TownCall = string | TokenCall;

/** A scoped token's claims as the TownDO checks them against its row. */
export interface TokenCall {
  townId: string;
  tokenId: string;
  role: 'town' | 'rig';
  rigId: string | null;
  /** Expiry, seconds since the epoch: an open event stream ends then. */
  exp: number;
}

export function townCall(principal: Principal, townId: string): TownCall {
  if (principal.role === 'admin') return townId;
  const { tokenId, role, exp } = principal;
  return { townId, tokenId, role, rigId: principal.role === 'rig' ? principal.rigId : null, exp };
}

export const UNAUTHORIZED_MESSAGE = 'missing or invalid bearer token';
/** Says nothing of whether the other town, rig or record exists. */
export const FORBIDDEN_MESSAGE = "outside this token's scope";
