import type { Config } from '../config.js';
import type { PingApi } from '../pingapi/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { runCheck, type AbortCause } from './check.js';
import type { CheckState, DoneState } from './check-state.js';
import type { CheckHandle, CheckOptions, PingChecker, Priority } from './ping-service.types.js';
import type { PollPlanner, TaskKind } from './schedule-learner.js';

/** The shared request budget: interactive checks take 'high', background sweeps 'low'. */
export interface RequestBudget {
  take(priority: 'high' | 'low', signal?: AbortSignal): Promise<void>;
}

export interface PingServiceDeps {
  api: PingApi;
  clock: Clock;
  logger: Logger;
  polling: Config['polling'];
  budget: RequestBudget;
  /** Source of poll jitter (default Math.random). */
  random?: () => number;
  /** The learning schedule; today's packet schedule when absent. */
  planner?: PollPlanner;
  /** Told of every finished check, once per task run and once per answer from the cache (metrics). */
  onDone?: (state: DoneState) => void;
}

export interface PingService extends PingChecker {
  /** Checks in flight now. */
  readonly inFlight: number;
  /** Aborts every check in flight and waits for them to settle. */
  close(): Promise<void>;
}

/** One check in flight, shared by every watcher of its service. */
interface Flight {
  serviceId: number;
  startedAt: number;
  current: CheckState;
  watchers: Set<Watcher>;
  interactive: number;
  abort: AbortController;
  /** Set once the run starts; resolves with its final state. */
  settled: Promise<DoneState> | null;
}

/**
 * The core service: single-flight per service id, a short cache of verdicts, one request
 * budget in which people go before sweeps, and per-watcher cancellation.
 */
export function createPingService(deps: PingServiceDeps): PingService {
  const { clock, polling } = deps;
  const flights = new Map<number, Flight>();
  const cache = new Map<number, { state: DoneState; at: number }>();
  const log = deps.logger.child({ component: 'ping-service' });

  const cachedVerdict = (serviceId: number): DoneState | null => {
    const hit = cache.get(serviceId);
    if (!hit) return null;
    if (clock.now() - hit.at > polling.resultCacheMs) {
      cache.delete(serviceId);
      return null;
    }
    return { ...hit.state, cached: true };
  };

  const startFlight = (serviceId: number, packets: number, router: string | null): Flight => {
    const abort = new AbortController();
    const flight: Flight = {
      serviceId,
      startedAt: clock.now(),
      current: { kind: 'starting', serviceId, elapsedMs: 0 },
      watchers: new Set(),
      interactive: 0,
      abort,
      settled: null,
    };
    const planner = deps.planner;
    const task: TaskKind = { packets, router };
    flight.settled = runCheck(
      { api: deps.api, clock, logger: deps.logger, ...(deps.random ? { random: deps.random } : {}) },
      {
        serviceId,
        packets,
        schedule: polling,
        ...(planner ? { plan: planner.plan(task), onObserved: (obs) => planner.observe(task, obs) } : {}),
        timeoutMs: polling.timeoutMs,
        signal: abort.signal,
        // Read at every request, so a person joining a background check speeds it up.
        beforeRequest: (signal) => deps.budget.take(flight.interactive > 0 ? 'high' : 'low', signal),
        emit: (state) => {
          flight.current = state;
          if (state.kind === 'done') {
            // Before watchers hear of it, so whoever asks next starts anew or hits the cache.
            flights.delete(serviceId);
            if (state.reason.kind === 'verdict' && polling.resultCacheMs > 0) cache.set(serviceId, { state, at: clock.now() });
            deps.onDone?.(state);
          }
          for (const w of flight.watchers) w.push(state);
        },
      },
    );
    flights.set(serviceId, flight);
    return flight;
  };

  const leave = (flight: Flight, w: Watcher, by: string | null) => {
    if (!flight.watchers.delete(w)) return;
    if (w.priority === 'interactive') flight.interactive--;
    if (flight.watchers.size === 0) {
      log.info({ serviceId: flight.serviceId, by }, 'last watcher left, stopping the check');
      flight.abort.abort({ kind: 'cancelled', by } satisfies AbortCause);
    }
  };

  return {
    get inFlight() {
      return flights.size;
    },

    check(serviceId: number, opts: CheckOptions = {}): CheckHandle {
      const priority: Priority = opts.priority ?? 'interactive';
      if (!opts.fresh && !flights.has(serviceId)) {
        const hit = cachedVerdict(serviceId);
        if (hit) {
          deps.onDone?.(hit);
          return finishedHandle(hit);
        }
      }
      const flight = flights.get(serviceId) ?? startFlight(serviceId, opts.packets ?? polling.packets, opts.router ?? null);
      const watcher = new Watcher(serviceId, priority, flight.current, () => clock.now() - flight.startedAt, (by) => leave(flight, watcher, by));
      flight.watchers.add(watcher);
      if (priority === 'interactive') flight.interactive++;
      if (opts.signal) {
        const signal = opts.signal;
        const onAbort = () => watcher.cancel(null);
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          // A long-lived signal (a surface's shutdown) must not collect one listener per check.
          void watcher.done.then(() => signal.removeEventListener('abort', onAbort));
        }
      }
      return watcher;
    },

    async close() {
      const all = [...flights.values()];
      for (const f of all) f.abort.abort({ kind: 'cancelled', by: 'shutdown' } satisfies AbortCause);
      await Promise.all(all.map((f) => f.settled));
      deps.planner?.flush();
    },
  };
}

/** A handle on a verdict that is already known (the result cache). */
function finishedHandle(state: DoneState): CheckHandle {
  return {
    serviceId: state.serviceId,
    current: () => state,
    done: Promise.resolve(state),
    states: {
      async *[Symbol.asyncIterator]() {
        yield state;
      },
    },
    cancel: () => {},
  };
}

/** One watcher: its own queue of states, so a slow consumer never blocks the check. */
class Watcher implements CheckHandle {
  readonly done: Promise<DoneState>;
  private latest: CheckState;
  private queue: CheckState[];
  private wake: (() => void) | null = null;
  private resolveDone!: (s: DoneState) => void;
  private finished = false;

  constructor(
    readonly serviceId: number,
    readonly priority: Priority,
    initial: CheckState,
    private readonly elapsed: () => number,
    private readonly onLeave: (by: string | null) => void,
  ) {
    this.latest = initial;
    this.queue = [initial];
    this.done = new Promise((r) => (this.resolveDone = r));
    if (initial.kind === 'done') this.finish(initial);
  }

  current(): CheckState {
    return this.latest;
  }

  /** Called by the flight for every new state. */
  push(state: CheckState): void {
    if (this.finished) return;
    this.latest = state;
    this.queue.push(state);
    if (state.kind === 'done') this.finish(state);
    this.wake?.();
  }

  cancel(by?: string | null): void {
    if (this.finished) return;
    const now = this.latest;
    const state: DoneState = {
      kind: 'done',
      serviceId: this.serviceId,
      taskId: 'taskId' in now ? now.taskId : null,
      verdict: 'cancelled',
      message: null,
      polls: now.kind === 'polling' ? now.attempt - 1 : now.kind === 'done' ? now.polls : 0,
      elapsedMs: this.elapsed(),
      reason: { kind: 'cancelled', by: by ?? null },
      cached: false,
    };
    this.push(state);
    this.onLeave(by ?? null);
  }

  private finish(state: DoneState): void {
    this.finished = true;
    this.resolveDone(state);
  }

  get states(): AsyncIterable<CheckState> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<CheckState>> => {
          for (;;) {
            const s = this.queue.shift();
            if (s) return { value: s, done: false };
            if (this.finished) return { value: undefined, done: true };
            await new Promise<void>((r) => (this.wake = r));
            this.wake = null;
          }
        },
      }),
    };
  }
}
