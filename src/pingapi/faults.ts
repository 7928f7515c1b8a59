/**
 * Pure decisions about failed answers: which typed fault an HTTP status is, how long to wait
 * before the next try, and how to keep credentials out of text.
 */
import { PermanentError, TransientError, type PingApiError } from '../core/errors.js';
import { describeDetail } from './normalize.js';

/** The longest wait a Retry-After header can impose on one retry. */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * A Retry-After header as milliseconds from `nowMs`: delta-seconds or an HTTP-date. Null when
 * absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // Only HTTP-dates (they contain a letter: a weekday or month); Date.parse accepts too much else.
  if (!/[A-Za-z]/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Bounds of the backoff between tries. */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Cap on a server-imposed Retry-After wait. */
  maxRetryAfterMs?: number;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential from `minMs`, jittered
 * by a factor in [1, 2) from `random` (0..1), capped at `maxMs`; and at least the fault's
 * Retry-After (itself capped), because the server asked for it.
 */
export function retryDelayMs(retry: number, retryAfterMs: number | null, policy: BackoffPolicy, random: number): number {
  const min = Math.max(0, policy.minMs);
  const max = Math.max(min, policy.maxMs);
  const exp = min * 2 ** Math.max(0, retry - 1);
  const backoff = Math.min(max, Math.round(exp * (1 + Math.min(Math.max(random, 0), 0.999))));
  if (retryAfterMs === null) return backoff;
  const imposed = Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS);
  return Math.max(backoff, imposed);
}

/**
 * The typed fault for a non-2xx answer that the endpoint has no special reading for.
 * `notFound` is the message for a 404 (it names the service or task).
 */
export function faultForStatus(
  status: number,
  bodyText: string,
  retryAfter: string | null,
  nowMs: number,
  notFound: string,
  who = 'the Ping API',
): PingApiError {
  const detail = describeDetail(bodyText);
  if (status === 404) return new PermanentError('not_found', notFound, status);
  if (status === 401 || status === 403) {
    return new PermanentError('auth', `${who} refused the credentials (HTTP ${status})`, status);
  }
  if (status === 408) return new TransientError('timeout', `${who} timed out the request (HTTP 408)`, status);
  if (status === 429) {
    return new TransientError('rate_limited', `${who} is rate limiting requests (HTTP 429)`, status, parseRetryAfter(retryAfter, nowMs));
  }
  if (status >= 500) {
    return new TransientError('server', `${who} failed (HTTP ${status})`, status, parseRetryAfter(retryAfter, nowMs));
  }
  if (status === 422) {
    return new PermanentError('invalid', `${who} found the request invalid${detail ? `: ${detail}` : ' (HTTP 422)'}`, status);
  }
  if (status === 400) {
    return new PermanentError('rejected', `${who} rejected the request${detail ? `: ${detail}` : ' (HTTP 400)'}`, status);
  }
  return new PermanentError('rejected', `${who} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, status);
}

/**
 * A function replacing every given secret in a text with `[redacted]`. Secrets shorter than 4
 * characters are ignored: replacing them would mangle ordinary words and hide nothing.
 */
export function scrubber(secrets: () => readonly string[]): (text: string) => string {
  return (text) => {
    let out = text;
    for (const s of secrets()) {
      if (s.length >= 4 && out.includes(s)) out = out.split(s).join('[redacted]');
    }
    return out;
  };
}
