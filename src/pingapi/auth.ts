/**
 * Credentials for the Ping API: none, a static key header, or a JWT from the login endpoint.
 * The JWT is cached and shared; concurrent requests share one in-flight login.
 */
import { PermanentError, PingApiError, TransientError } from '../core/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { faultForStatus } from './faults.js';
import { parseBody } from './normalize.js';
import type { RequestContext, Transport } from './transport.js';
import { raceAbort } from '../util/abort.js';
import type { Secret } from '../util/secret.js';

/** How the middleware wants to be called: no credentials, a static key header, or a JWT login. */
export type PingApiAuth =
  | { kind: 'none' }
  | { kind: 'key'; header: string; key: Secret }
  | { kind: 'jwt'; username: string; password: Secret };

/** Where the JWT login form is posted, relative to the API base. */
export const LOGIN_PATH = '/api/v1/auth/token';

/** Headers to send, and the token they carry (to forget exactly that one after a 401). */
export interface Credentials {
  headers: Record<string, string>;
  token: string | null;
}

/** Supplies credentials and says what a 401/403 means for them. */
export interface Authenticator {
  readonly kind: PingApiAuth['kind'];
  /** Credentials for the next request; may log in first (awaiting the budget like any request). */
  credentials(ctx: RequestContext): Promise<Credentials>;
  /** Forgets `token` if it is still the cached one, so the next request logs in again. */
  invalidate(token: string | null): void;
  /** The fault for a 401/403 that a new login cannot (or may no longer) fix. */
  rejected(status: number): PermanentError;
  /** Every credential value this authenticator has held, for scrubbing text. */
  secrets(): string[];
}

/**
 * Reads a login answer: the `access_token` on 2xx. A refused login (400/401/403/422) is
 * PermanentError('auth'); 5xx, 429 and unreadable answers are transient.
 */
export function readLoginAnswer(status: number, bodyText: string, retryAfter: string | null, nowMs: number): string {
  if (status >= 200 && status < 300) {
    const parsed = parseBody(bodyText);
    const token =
      parsed.kind === 'value' && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value)
        ? (parsed.value as Record<string, unknown>)['access_token']
        : undefined;
    if (typeof token !== 'string' || token.trim() === '' || /[\s\u0000-\u001f]/.test(token)) {
      throw new TransientError('malformed', 'the Ping API answered a login without a usable access token', status);
    }
    return token;
  }
  if ([400, 401, 403, 422].includes(status)) {
    return fail(new PermanentError('auth', `the Ping API rejected the username/password login (HTTP ${status})`, status));
  }
  if (status === 404) {
    return fail(new PermanentError('auth', `the Ping API has no login endpoint at ${LOGIN_PATH} (HTTP 404)`, status));
  }
  return fail(faultForStatus(status, '', retryAfter, nowMs, ''));
}

function fail(err: Error): never {
  throw err;
}


/** Builds the authenticator for the configured auth kind. */
export function createAuthenticator(auth: PingApiAuth, deps: { transport: Transport; logger: Logger; clock: Clock }): Authenticator {
  switch (auth.kind) {
    case 'none':
      return {
        kind: 'none',
        credentials: async () => ({ headers: {}, token: null }),
        invalidate: () => {},
        rejected: (status) =>
          new PermanentError(
            'auth',
            `the Ping API requires credentials (HTTP ${status}): set PING_API_KEY or PING_API_USERNAME and PING_API_PASSWORD`,
            status,
          ),
        secrets: () => [],
      };
    case 'key':
      return {
        kind: 'key',
        credentials: async () => ({ headers: { [auth.header]: auth.key.reveal() }, token: null }),
        invalidate: () => {},
        rejected: (status) => new PermanentError('auth', `the Ping API rejected the API key (HTTP ${status}): check PING_API_KEY`, status),
        secrets: () => [auth.key.reveal()],
      };
    case 'jwt':
      return jwtAuthenticator(auth, deps);
  }
}

function jwtAuthenticator(
  auth: Extract<PingApiAuth, { kind: 'jwt' }>,
  { transport, logger, clock }: { transport: Transport; logger: Logger; clock: Clock },
): Authenticator {
  let token: string | null = null;
  let login: Promise<string> | null = null;
  // Old tokens may still turn up in a server's echo; keep a few to scrub.
  const held: string[] = [];

  const logIn = async (ctx: RequestContext): Promise<string> => {
    logger.debug({ path: LOGIN_PATH }, 'logging in to the Ping API');
    const answer = await transport.send(
      { method: 'POST', path: LOGIN_PATH, form: { username: auth.username, password: auth.password.reveal() } },
      ctx,
    );
    const fresh = readLoginAnswer(answer.status, answer.text, answer.headers.get('retry-after'), clock.now());
    held.push(fresh);
    if (held.length > 5) held.shift();
    token = fresh;
    logger.info({ path: LOGIN_PATH }, 'logged in to the Ping API');
    return fresh;
  };

  const currentToken = async (ctx: RequestContext): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      if (token) return token;
      if (!login) {
        const started = logIn(ctx).finally(() => {
          if (login === started) login = null;
        });
        // Waiters attach their own handlers; this one only keeps an abandoned login quiet.
        started.catch(() => {});
        login = started;
      }
      try {
        return await raceAbort(login, ctx.signal);
      } catch (err) {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        // A login shared with a caller who then gave up fails with that caller's abort
        // reason; that is not our failure, so log in again ourselves (once).
        if (err instanceof PingApiError || attempt >= 1) throw err;
      }
    }
  };

  return {
    kind: 'jwt',
    async credentials(ctx) {
      const t = await currentToken(ctx);
      return { headers: { authorization: `Bearer ${t}` }, token: t };
    },
    invalidate(used) {
      if (used !== null && token === used) token = null;
    },
    rejected: (status) =>
      new PermanentError(
        'auth',
        `the Ping API refused the login token even after logging in again (HTTP ${status}): check PING_API_USERNAME and PING_API_PASSWORD`,
        status,
      ),
    secrets: () => [auth.password.reveal(), ...held],
  };
}
