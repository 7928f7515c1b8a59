import type { ClientRecord } from './client.js';
import type { Fault } from './errors.js';
import type { TaskResult } from './verdict.js';

/** Options every Ping API call takes. */
export interface CallOptions {
  /** Aborts the call and its retries (the check's deadline or a cancel). */
  signal?: AbortSignal;
  /** Called before each retry of a transient fault, with the delay about to be waited. */
  onRetry?: (fault: Fault, attempt: number, delayMs: number) => void;
  /** Awaited before every HTTP request, retries included: the shared request budget. */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  /** Overrides the retry count for this call (0: one attempt only, e.g. autocomplete). */
  retries?: number;
  /** Overrides the per-request timeout for this call. */
  timeoutMs?: number;
}

/**
 * A Ping API provider as the core sees it: the middleware (either route layout) or WispHub
 * directly. Every method throws TransientError (after its retries) or PermanentError;
 * look-ups answer null / [] for "no such client".
 */
export interface PingApi {
  createTask(serviceId: number, packets: number, opts?: CallOptions): Promise<{ taskId: string }>;
  getResult(taskId: string, opts?: CallOptions): Promise<TaskResult>;
  clientByServiceId(serviceId: number, opts?: CallOptions): Promise<ClientRecord | null>;
  clientByDocument(document: string, opts?: CallOptions): Promise<ClientRecord | null>;
  clientByPhone(phone: string, opts?: CallOptions): Promise<ClientRecord | null>;
  searchClients(query: string, opts?: CallOptions): Promise<ClientRecord[]>;
  /** True when the provider answered its liveness probe. Never throws. */
  health(opts?: CallOptions): Promise<boolean>;
  /**
   * Every client, for the NOC's router, zone and `all` watches; null when this API has no list
   * (the documented `v1` middleware). Providers without the method have none either.
   */
  listClients?(opts?: CallOptions): Promise<ClientRecord[] | null>;
}
