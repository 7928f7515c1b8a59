/**
 * Typed faults of the Ping API. Transient ones are retried (network, timeout, 5xx, 429,
 * malformed body); permanent ones never are (auth after one re-login, 400, 404, 422).
 * Messages never carry credentials.
 */

export type TransientKind = 'network' | 'timeout' | 'server' | 'rate_limited' | 'malformed';
/** `unexpected`: an answer the contract does not know (a verdict word nobody documented). */
export type PermanentKind = 'auth' | 'not_found' | 'invalid' | 'rejected' | 'unexpected';

export class PingApiError extends Error {
  override name = 'PingApiError';
}

/** A fault worth retrying. `retryAfterMs` is set from a 429/503 Retry-After header. */
export class TransientError extends PingApiError {
  override name = 'TransientError';
  constructor(
    readonly kind: TransientKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** A fault that retrying cannot fix. */
export class PermanentError extends PingApiError {
  override name = 'PermanentError';
  constructor(
    readonly kind: PermanentKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Our own request queue is full (or would make this check wait too long): nothing was created,
 * and the person is told when to try again. Not a Ping API fault, so never retried.
 */
export class BusyError extends Error {
  override name = 'BusyError';
  constructor(readonly retryAfterMs: number) {
    super(`busy: too many checks waiting for the Ping API's request budget; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** A short, credential-free description of a fault, as carried in check states. */
export interface Fault {
  kind: TransientKind | PermanentKind | 'internal';
  message: string;
  status: number | null;
}

/** Turns anything thrown into a Fault (unknown errors become `internal`). */
export function toFault(err: unknown): Fault {
  if (err instanceof TransientError || err instanceof PermanentError) {
    return { kind: err.kind, message: err.message, status: err.status };
  }
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err), status: null };
}
