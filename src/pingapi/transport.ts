/**
 * One HTTP exchange with the Ping API: the request budget, a per-request timeout, the caller's
 * abort, same-origin redirects, and one debug line. Faults come out typed; nothing here retries.
 */
import { PermanentError, TransientError } from '../core/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createSemaphore } from '../util/semaphore.js';
import { createExchange, ExchangeError, type Exchange, type HeaderReader } from './exchange.js';

/** A request relative to the API base. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  /** Starts with `/`; every variable segment already URL-encoded. */
  path: string;
  query?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Credentials go here; they are never logged. */
  headers?: Record<string, string>;
}

/** How one request may run. */
export interface RequestContext {
  /** The caller's signal: when it aborts, its reason is thrown as is. */
  signal?: AbortSignal;
  /** The shared request budget, awaited before every request (redirect hops included). */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  timeoutMs: number;
  /**
   * `lookup`: a client look-up or search. These may hold at most three quarters of the
   * connections, so ping tasks and their polls always have the rest: when the client directory
   * behind the API (WispHub) hangs, a morning's look-ups must not stall the checks already running.
   */
  lane?: 'lookup';
}

/** An answer, whatever its status; the body is read in full. */
export interface Answer {
  status: number;
  headers: HeaderReader;
  text: string;
}

/** Sends requests to one Ping API. */
export interface Transport {
  send(spec: RequestSpec, ctx: RequestContext): Promise<Answer>;
}

const MAX_REDIRECTS = 3;

/** Requests in flight to one Ping API at most; more wait their turn (bounded sockets, no bursts). */
export const DEFAULT_MAX_CONCURRENT = 32;

/**
 * Of those, kept for ping tasks and their polls: client look-ups may hold the rest. A quarter,
 * not a half: look-ups that hang for some clients (a slow WispHub record) still leave look-ups
 * of other clients most of the connections, and running checks always have their own.
 */
const TASK_SHARE = 0.25;

/** What a log line names of a URL: only the path, since a base URL may carry user:password@. */
const pathOf = (url: URL): string => `${url.pathname}${url.search}`;

/** Builds the transport for `baseUrl` (no trailing slash needed; a path prefix is kept). */
export function createTransport(opts: {
  baseUrl: string;
  logger: Logger;
  clock: Clock;
  exchange?: Exchange;
  maxConcurrent?: number;
  /** How errors name the service and its URL setting (default the middleware's). */
  naming?: { who: string; urlSetting: string };
}): Transport {
  const { who, urlSetting } = opts.naming ?? { who: 'the Ping API', urlSetting: 'PING_API_URL' };
  const base = opts.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const maxConcurrent = opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  const exchange = opts.exchange ?? createExchange(maxConcurrent);
  const { logger, clock } = opts;
  const slots = createSemaphore(maxConcurrent);
  const lookupSlots = createSemaphore(Math.max(1, maxConcurrent - Math.max(1, Math.ceil(maxConcurrent * TASK_SHARE))));
  /** A connection for one exchange; a look-up first takes one of the look-ups' own half. */
  const acquire = async (ctx: RequestContext): Promise<() => void> => {
    if (ctx.lane !== 'lookup') return slots.acquire(ctx.signal);
    const lane = await lookupSlots.acquire(ctx.signal);
    try {
      const slot = await slots.acquire(ctx.signal);
      return () => {
        slot();
        lane();
      };
    } catch (err) {
      lane();
      throw err;
    }
  };

  return {
    async send(spec, ctx) {
      const qs = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : '';
      let url = new URL(`${base}${spec.path}${qs}`);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'pingops', ...spec.headers };
      let body: string | undefined;
      if (spec.json !== undefined) {
        body = JSON.stringify(spec.json);
        headers['content-type'] = 'application/json';
      } else if (spec.form) {
        body = new URLSearchParams(spec.form).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }

      // Read per send, not per module: a test may raise the level of a live logger.
      const debug = logger.isLevelEnabled('debug');
      for (let hop = 0; ; hop++) {
        await ctx.beforeRequest?.(ctx.signal);
        ctx.signal?.throwIfAborted();
        const release = await acquire(ctx);
        const started = clock.now();
        let res: Answer;
        try {
          // Redirects are followed by hand, and only within the origin: a custom key header must not travel.
          res = await exchange(url, { method: spec.method, headers, body, timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
        } catch (err) {
          if (ctx.signal?.aborted) throw ctx.signal.reason;
          const failure = err instanceof ExchangeError ? err.failure : { kind: 'network' as const, code: 'connection failed' };
          const fault =
            failure.kind === 'timeout'
              ? new TransientError('timeout', `${who} did not answer within ${ctx.timeoutMs} ms`)
              : // The host (never user:password@) tells an operator which setting to look at.
                new TransientError('network', `could not reach ${who} at ${url.host} (${urlSetting}): ${failure.kind === 'network' ? failure.code : 'aborted'}`);
          if (debug) logger.debug({ method: spec.method, path: pathOf(url), status: null, ms: clock.now() - started, fault: fault.kind }, 'ping api request failed');
          throw fault;
        } finally {
          release();
        }
        // At info (production) this line is not written: its fields are not even built.
        if (debug) logger.debug({ method: spec.method, path: pathOf(url), status: res.status, ms: clock.now() - started }, 'ping api request');

        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          const location = res.headers.get('location');
          const next = location ? new URL(location, url) : null;
          if (!next || next.origin !== origin) {
            throw new PermanentError(
              'rejected',
              `${who} redirected elsewhere (HTTP ${res.status}${next ? ` to ${next.origin}` : ''}); point ${urlSetting} at the final address`,
              res.status,
            );
          }
          if (hop >= MAX_REDIRECTS) {
            throw new PermanentError('rejected', `${who} redirected more than ${MAX_REDIRECTS} times`, res.status);
          }
          url = next;
          continue;
        }
        return res;
      }
    },
  };
}
