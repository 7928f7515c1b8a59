import type { CheckState, DoneState } from './check-state.js';

/** Interactive checks (a person waiting) take the request budget before background sweeps. */
export type Priority = 'interactive' | 'background';

export interface CheckOptions {
  priority?: Priority;
  /** Aborting detaches this watcher; the task stops when no watcher is left. */
  signal?: AbortSignal;
  /** Skip the result cache and start a new task (still joins one already in flight). */
  fresh?: boolean;
  /** Packets for a new task (default PING_PACKETS); a different count is a different check. */
  packets?: number;
  /** Continue polling a task created before a restart instead of creating one (see runCheck). */
  resume?: { taskId: string; startedAt: number };
  /** The client's router when known: the learning schedule keeps a model per router. */
  router?: string | null;
}

/** One watcher's view of a check; several watchers may share one check. */
export interface CheckHandle {
  readonly serviceId: number;
  /** Every state from now on (starting with the current one), ending with `done`. */
  readonly states: AsyncIterable<CheckState>;
  /** The newest state. */
  current(): CheckState;
  /** Resolves with the final state; never rejects. */
  readonly done: Promise<DoneState>;
  /**
   * Stops watching; the watcher sees `done(cancelled)`. The task stops when nobody watches.
   * `shutdown`: the bot is stopping, no person cancelled (shown as such, never as a name).
   */
  cancel(by?: string | null, opts?: { shutdown?: boolean }): void;
}

/** The one core service every surface uses. */
export interface PingChecker {
  check(serviceId: number, opts?: CheckOptions): CheckHandle;
  /**
   * Looks for a verdict another process stored (the result cache shared through the store),
   * so the check() of this client that follows may answer from it; check() itself reads only
   * this process's memory, so it stays synchronous.
   */
  recall(serviceId: number, packets?: number): Promise<void>;
}
