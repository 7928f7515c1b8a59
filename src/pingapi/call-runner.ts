/**
 * One provider call's tries: p-retry for transient faults (our waits: jitter, Retry-After, the
 * injected clock), permanent faults thrown at once, credentials scrubbed from every message.
 * Shared by the middleware and the WispHub clients so both fail the same way.
 */
import pRetry, { AbortError } from 'p-retry';
import type { CallOptions } from '../core/ping-api.js';
import { PermanentError, PingApiError, TransientError, toFault } from '../core/errors.js';
import type { Clock } from '../util/clock.js';
import { lazyChild, type Logger } from '../util/logger.js';
import { retryDelayMs, type BackoffPolicy } from './faults.js';
import type { RequestContext } from './transport.js';

/** One call's state shared by its tries: what may happen once per call (a re-login, a re-detection). */
export interface Call {
  ctx: RequestContext;
  log: Logger;
  relogged: boolean;
  redetected: boolean;
}

export interface CallRunnerOptions {
  logger: Logger;
  clock: Clock;
  random: () => number;
  /** Retries after the first try of a transient fault, unless a call overrides it. */
  retries: number;
  policy: BackoffPolicy;
  /** Per HTTP request, unless a call overrides it. */
  timeoutMs: number;
  /** Replaces credentials in a text. */
  scrub: (text: string) => string;
}

/** `lane`: which of the connections the call's requests may take (transport's `RequestContext.lane`). */
export type RunCall = <T>(op: string, fields: Record<string, unknown>, o: CallOptions | undefined, attempt: (call: Call) => Promise<T>, lane?: RequestContext['lane']) => Promise<T>;

/** Builds the runner of one client's calls. */
export function createCallRunner(opts: CallRunnerOptions): RunCall {
  const { logger, clock, random, policy, scrub } = opts;

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

  return async function run<T>(op: string, fields: Record<string, unknown>, o: CallOptions | undefined, attempt: (call: Call) => Promise<T>, lane?: RequestContext['lane']): Promise<T> {
    const signal = o?.signal;
    const log = lazyChild(logger, { op, ...fields });
    const call: Call = {
      ctx: { signal, beforeRequest: o?.beforeRequest, timeoutMs: o?.timeoutMs ?? opts.timeoutMs, ...(lane ? { lane } : {}) },
      get log() {
        return log();
      },
      relogged: false,
      redetected: false,
    };
    const once = async (): Promise<T> => {
      try {
        return await attempt(call);
      } catch (err) {
        if (err instanceof TransientError && !signal?.aborted) throw err;
        // AbortError makes p-retry rethrow the original error untouched and skip its hooks.
        throw new AbortError(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const retries = o?.retries ?? opts.retries;
    /** Before try `attemptNumber + 1`: p-retry decides whether to retry; the wait is ours (jitter, Retry-After, our clock). */
    const beforeRetry = async (error: unknown, attemptNumber: number, retriesLeft: number) => {
      if (!(error instanceof TransientError) || retriesLeft <= 0) return;
      const delayMs = retryDelayMs(attemptNumber, error.retryAfterMs, policy, random());
      const fault = toFault(error);
      call.log.warn({ fault: fault.kind, status: fault.status, attempt: attemptNumber, delayMs }, 'ping api call failed; retrying');
      o?.onRetry?.(fault, attemptNumber, delayMs);
      await clock.sleep(delayMs, signal);
    };
    try {
      // The first try runs outside p-retry, which costs about 8 us of CPU a call even when
      // nothing fails (options copied and checked, a timer read); most calls need one try.
      try {
        return await once();
      } catch (err) {
        if (err instanceof AbortError) throw err.originalError;
        if (retries <= 0) throw err;
        await beforeRetry(err, 1, retries);
      }
      // Tries 2 and on, numbered as a whole call's.
      return await pRetry(once, {
        retries: retries - 1,
        minTimeout: 0,
        shouldRetry: ({ error }) => error instanceof TransientError,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => beforeRetry(error, attemptNumber + 1, retriesLeft),
      });
    } catch (err) {
      // The caller's abort ends the call with the caller's own reason, never a provider fault.
      if (signal?.aborted) throw signal.reason;
      if (err instanceof PingApiError) {
        const fault = toFault(err);
        call.log.debug({ fault: fault.kind, status: fault.status }, 'ping api call failed');
        throw scrubbed(err);
      }
      throw err;
    }
  };
}
