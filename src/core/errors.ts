/**
 * Typed faults of the Ping API. Transient ones are retried (network, timeout, 5xx, 429,
 * malformed body); permanent ones never are (auth after one re-login, 400, 404, 422).
 * Messages never carry credentials.
 */

export type TransientKind = 'network' | 'timeout' | 'server' | 'rate_limited' | 'malformed';
export type PermanentKind = 'auth' | 'not_found' | 'invalid' | 'rejected';

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
