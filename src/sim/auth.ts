/**
 * The simulator's authentication, as the middleware's deployments do it (ping-api.md §3):
 * none, a static key header, or a JWT login with expiring HS256 tokens judged on the clock.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../util/clock.js';

export type SimAuthMode = 'none' | 'key' | 'jwt';

export interface SimAuthOptions {
  mode: SimAuthMode;
  apiKey?: string;
  /** Default `X-API-Key`. */
  apiKeyHeader?: string;
  /** Set (WispHub: `Api-Key`): the header carries `<scheme> <key>`. */
  apiKeyScheme?: string;
  username?: string;
  password?: string;
  /** Default 60 minutes. */
  tokenTtlMs?: number;
  clock: Clock;
}

/** The outcome of checking one request's credentials; `detail` is the FastAPI error text. */
export type AuthCheck =
  | { ok: true }
  | { ok: false; status: 401 | 403; detail: string; headers: Record<string, string> };

/** The credentials a simulator accepts (generated when not given); null where the mode has none. */
export interface SimCredentials {
  apiKey: string | null;
  username: string | null;
  password: string | null;
}

export interface SimAuth {
  readonly mode: SimAuthMode;
  readonly credentials: SimCredentials;
  /** Judges a request's headers; always ok in mode `none`. */
  check(headers: IncomingHttpHeaders): AuthCheck;
  /** A bearer token for the right username and password (mode `jwt` only), else null. */
  login(username: string, password: string): { access_token: string; token_type: 'bearer' } | null;
}

export const DEFAULT_TOKEN_TTL_MS = 60 * 60_000;
const INVALID_TOKEN = 'Could not validate credentials.';

/** Builds the auth of one simulator; missing credentials for its mode are generated at random. */
export function createSimAuth(opts: SimAuthOptions): SimAuth {
  const { mode, clock } = opts;
  const headerName = (opts.apiKeyHeader ?? 'X-API-Key').toLowerCase();
  const ttlMs = opts.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  const credentials: SimCredentials = {
    apiKey: mode === 'key' ? (opts.apiKey ?? `sim_${randomBytes(18).toString('base64url')}`) : null,
    username: mode === 'jwt' ? (opts.username ?? `sim-${randomBytes(3).toString('hex')}`) : null,
    password: mode === 'jwt' ? (opts.password ?? randomBytes(18).toString('base64url')) : null,
  };
  // A fresh signing key per simulator: tokens from an earlier run are "unknown", as after a server restart.
  const signingKey = randomBytes(32);

  return {
    mode,
    credentials,
    check(headers) {
      if (mode === 'none') return { ok: true };
      if (mode === 'key') {
        const given = headers[headerName];
        const expected = credentials.apiKey !== null && opts.apiKeyScheme ? `${opts.apiKeyScheme} ${credentials.apiKey}` : credentials.apiKey;
        if (typeof given === 'string' && expected !== null && sameSecret(given.trim(), expected)) return { ok: true };
        return { ok: false, status: 403, detail: 'Invalid API key', headers: {} };
      }
      const denied: AuthCheck = { ok: false, status: 401, detail: INVALID_TOKEN, headers: { 'www-authenticate': 'Bearer' } };
      const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
      const token = m?.[1];
      if (token === undefined) return { ...denied, detail: 'Not authenticated' };
      const claims = verifyJwt(token, signingKey, clock.now());
      return claims !== null && claims.sub === credentials.username ? { ok: true } : denied;
    },
    login(username, password) {
      if (mode !== 'jwt' || credentials.username === null || credentials.password === null) return null;
      // Both compared, always, so timing does not tell which one was wrong.
      const userOk = sameSecret(username, credentials.username);
      const passOk = sameSecret(password, credentials.password);
      if (!userOk || !passOk) return null;
      const now = clock.now();
      // `exp` is in whole seconds, as JWT has it: a token may end up to a second before the full TTL.
      const token = signJwt({ sub: username, iat: Math.floor(now / 1000), exp: Math.floor((now + ttlMs) / 1000) }, signingKey);
      return { access_token: token, token_type: 'bearer' };
    },
  };
}

/** The claims the simulator puts in a token; `iat`/`exp` in seconds, as JWT has them. */
export interface SimClaims {
  sub: string;
  iat: number;
  exp: number;
}

/** Signs claims as a compact HS256 JWT. */
export function signJwt(claims: SimClaims, key: Buffer): string {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The claims of a well-signed, unexpired HS256 token at `nowMs`, or null. */
export function verifyJwt(token: string, key: Buffer, nowMs: number): SimClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [head = '', body = '', sig = ''] = parts;
  const expected = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  if (!sameSecret(sig, expected)) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    if (!isRecord(header) || header.alg !== 'HS256') return null;
    const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!isRecord(claims) || typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null;
    if (nowMs >= claims.exp * 1000) return null;
    return { sub: claims.sub, iat: claims.iat, exp: claims.exp };
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Constant-time string equality (hashing first makes the lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
