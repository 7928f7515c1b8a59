/**
 * The Ping API over HTTP: endpoints, status mapping, auth retries and p-retry backoff.
 * Decisions live in normalize.ts and faults.ts; this file is the shell that sends and waits.
 */
import pRetry, { AbortError } from 'p-retry';
import type { PingApiAuth } from '../config.js';
import type { ClientRecord } from '../core/client.js';
import { PermanentError, PingApiError, TransientError, toFault } from '../core/errors.js';
import type { TaskResult } from '../core/verdict.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createAuthenticator } from './auth.js';
import { faultForStatus, retryDelayMs, scrubber } from './faults.js';
import {
  isClientNotFound,
  isValidTaskId,
  normalizeClientAnswer,
  normalizeClientList,
  normalizeCreated,
  normalizeTaskResult,
} from './normalize.js';
import { createTransport, type Answer, type RequestContext, type RequestSpec } from './transport.js';
import type { CallOptions, PingApi } from '../core/ping-api.js';

/** How to reach one Ping API deployment. */
export interface PingApiOptions {
  baseUrl: string;
  auth: PingApiAuth;
  /** Per HTTP request (each try, each login), not per call. */
  timeoutMs: number;
  logger: Logger;
  /** Retries after the first try of a transient fault (default 3). */
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Waits between retries; tests pass one that does not really wait. */
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

/** `/health` is a liveness probe: it must answer fast or count as down. */
const HEALTH_TIMEOUT_MS = 3_000;

const is2xx = (status: number) => status >= 200 && status < 300;
const seg = (v: string | number) => encodeURIComponent(String(v));

/** Builds a PingApi client for one deployment. */
export function createPingApi(opts: PingApiOptions): PingApi {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const logger = opts.logger;
  const defaultRetries = opts.retries ?? 3;
  const policy = { minMs: opts.minRetryDelayMs ?? 250, maxMs: opts.maxRetryDelayMs ?? 4000 };
  const transport = createTransport({ baseUrl: opts.baseUrl, logger, clock });
  const auth = createAuthenticator(opts.auth, { transport, logger, clock });
  const scrub = scrubber(() => auth.secrets());

  /** One call's state shared by its tries: the re-login is allowed once per call, not per try. */
  interface Call {
    ctx: RequestContext;
    log: Logger;
    relogged: boolean;
  }

  /** Sends with credentials; a JWT refused with 401/403 logs in again once and resends once. */
  async function authorized(spec: RequestSpec, call: Call): Promise<Answer> {
    const cred = await auth.credentials(call.ctx);
    const answer = await transport.send({ ...spec, headers: { ...spec.headers, ...cred.headers } }, call.ctx);
    if (answer.status !== 401 && answer.status !== 403) return answer;
    if (auth.kind !== 'jwt' || call.relogged) throw auth.rejected(answer.status);
    call.relogged = true;
    call.log.info({ status: answer.status }, 'the Ping API refused the token; logging in again');
    auth.invalidate(cred.token);
    const again = await auth.credentials(call.ctx);
    const second = await transport.send({ ...spec, headers: { ...spec.headers, ...again.headers } }, call.ctx);
    if (second.status === 401 || second.status === 403) throw auth.rejected(second.status);
    return second;
  }

  /** Runs one call's tries with p-retry: transient faults are retried, anything else thrown at once. */
  async function run<T>(op: string, fields: Record<string, unknown>, o: CallOptions | undefined, attempt: (call: Call) => Promise<T>): Promise<T> {
    const signal = o?.signal;
    const call: Call = {
      ctx: { signal, beforeRequest: o?.beforeRequest, timeoutMs: o?.timeoutMs ?? opts.timeoutMs },
      log: logger.child({ op, ...fields }),
      relogged: false,
    };
    try {
      return await pRetry(
        async () => {
          try {
            return await attempt(call);
          } catch (err) {
            if (err instanceof TransientError && !signal?.aborted) throw err;
            // AbortError makes p-retry rethrow the original error untouched and skip its hooks.
            throw new AbortError(err instanceof Error ? err : new Error(String(err)));
          }
        },
        {
          retries: o?.retries ?? defaultRetries,
          // p-retry decides whether to retry; the wait is ours (jitter, Retry-After, our clock).
          minTimeout: 0,
          shouldRetry: ({ error }) => error instanceof TransientError,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof TransientError) || retriesLeft <= 0) return;
            const delayMs = retryDelayMs(attemptNumber, error.retryAfterMs, policy, random());
            const fault = toFault(error);
            call.log.warn({ fault: fault.kind, status: fault.status, attempt: attemptNumber, delayMs }, 'ping api call failed; retrying');
            o?.onRetry?.(fault, attemptNumber, delayMs);
            await clock.sleep(delayMs, signal);
          },
        },
      );
    } catch (err) {
      // The caller's abort ends the call with the caller's own reason, never a Ping API fault.
      if (signal?.aborted) throw signal.reason;
      if (err instanceof PingApiError) {
        const fault = toFault(err);
        call.log.debug({ fault: fault.kind, status: fault.status }, 'ping api call failed');
        throw scrubbed(err);
      }
      throw err;
    }
  }

  /**
   * The error with any credential in its message replaced: permanent faults quote the server's
   * words, which could echo a key back. A new error, so no stack keeps the old text.
   */
  function scrubbed(err: PingApiError): PingApiError {
    const message = scrub(err.message);
    if (message === err.message) return err;
    if (err instanceof TransientError) return new TransientError(err.kind, message, err.status, err.retryAfterMs);
    if (err instanceof PermanentError) return new PermanentError(err.kind, message, err.status);
    return new PingApiError(message);
  }

  /** A single-client look-up: 404 and "client not found" answer null. */
  function lookUp(op: string, path: string, fields: Record<string, unknown>, o?: CallOptions): Promise<ClientRecord | null> {
    return run(op, fields, o, async (call) => {
      const a = await authorized({ method: 'GET', path }, call);
      if (a.status === 404) return null;
      if (is2xx(a.status)) return normalizeClientAnswer(a.status, a.text);
      if (a.status < 500 && isClientNotFound(a.text)) return null;
      throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), 'client not found on the Ping API');
    });
  }

  // Refused before any request: no API would accept these, and they must not reach a URL.
  const invalid = (message: string): Promise<never> => Promise.reject(new PermanentError('invalid', message));

  return {
    createTask(serviceId, packets, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return invalid(`service id must be a positive whole number`);
      if (!Number.isSafeInteger(packets) || packets <= 0) return invalid(`packets must be a positive whole number`);
      return run('createTask', { serviceId, packets }, o, async (call) => {
        const a = await authorized({ method: 'POST', path: `/api/v1/${seg(serviceId)}/ping/`, json: { pings: packets } }, call);
        if (is2xx(a.status) || a.status === 400) return normalizeCreated(a.status, a.text);
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), `service ${serviceId} not found on the Ping API`);
      });
    },

    getResult(taskId, o): Promise<TaskResult> {
      if (!isValidTaskId(taskId)) return invalid('that is not a ping task id the Ping API hands out');
      return run('getResult', { taskId }, o, async (call) => {
        const a = await authorized({ method: 'GET', path: `/api/v1/ping/${seg(taskId)}/` }, call);
        if (is2xx(a.status) || a.status === 400) {
          const result = normalizeTaskResult(a.status, a.text);
          return result.message === null ? result : { ...result, message: scrub(result.message) };
        }
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), `ping task ${taskId} not found on the Ping API`);
      });
    },

    clientByServiceId(serviceId, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return Promise.resolve(null);
      return lookUp('clientByServiceId', `/api/v1/clients/by-service-id/${seg(serviceId)}`, { serviceId }, o);
    },

    clientByDocument(document, o) {
      const doc = document.trim();
      if (doc === '') return Promise.resolve(null);
      return lookUp('clientByDocument', `/api/v1/clients/by-document/${seg(doc)}`, {}, o);
    },

    clientByPhone(phone, o) {
      const p = phone.trim();
      if (p === '') return Promise.resolve(null);
      return lookUp('clientByPhone', `/api/v1/clients/by-phone/${seg(p)}`, {}, o);
    },

    searchClients(query, o) {
      return run('searchClients', {}, o, async (call) => {
        const a = await authorized({ method: 'GET', path: '/api/v1/clients/search', query: { q: query } }, call);
        if (a.status === 404) return [];
        if (is2xx(a.status)) return normalizeClientList(a.status, a.text, call.log);
        if (a.status < 500 && isClientNotFound(a.text)) return [];
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), 'client search not found on the Ping API');
      });
    },

    async health(o) {
      try {
        const a = await transport.send(
          { method: 'GET', path: '/health' },
          { signal: o?.signal, beforeRequest: o?.beforeRequest, timeoutMs: o?.timeoutMs ?? Math.min(opts.timeoutMs, HEALTH_TIMEOUT_MS) },
        );
        return is2xx(a.status);
      } catch (err) {
        logger.debug({ op: 'health', fault: toFault(err).kind }, 'ping api health check failed');
        return false;
      }
    },
  };
}
