import type { PingApi } from './ping-api.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { runCheck, type AbortCause } from './check.js';
import type { CheckState, DoneState } from './check-state.js';
import type { CheckHandle, CheckOptions, PingChecker, Priority } from './ping-service.types.js';
import type { RequestQueue } from './request-queue.js';
import type { TaskObservation } from './duration-model.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';
import { backgroundPollOffset, pollOffset, type ScheduleConfig } from './schedule.js';
import type { PollPlanner, TaskKind } from './schedule-learner.js';
import { CLAIM_TTL_MS, decideClaim, type ClaimDecision, type FlightClaimPort } from './flight-claims.js';

/** How checks poll and end (PING_PACKETS, PING_*_MS): the poll schedule plus each check's limits. */
export interface PollingSettings extends ScheduleConfig {
  packets: number;
  timeoutMs: number;
  resultCacheMs: number;
}

export interface PingServiceDeps {
  api: PingApi;
  clock: Clock;
  logger: Logger;
  polling: PollingSettings;
  /** The one ordered queue in front of the Ping API's request budget. */
  queue: Pick<RequestQueue, 'take' | 'admit'>;
  /** Source of poll jitter (default Math.random). */
  random?: () => number;
  /** The learning schedule; today's packet schedule when absent. */
  planner?: PollPlanner;
  /** Checks only sweeps watch poll once where their task has surely ended (default true). */
  thriftyBackground?: boolean;
  /** Told of every finished check, once per task run and once per answer from the cache (metrics). */
  onDone?: (state: DoneState) => void;
  /**
   * A verdict another process (or an earlier run) reached and stored, younger than `maxAgeMs`;
   * consulted by `recall` after this process's own cache, so the cache holds across processes.
   * The provider's own: app/ keys both of these by the provider's identity.
   */
  storedVerdict?: (serviceId: number, packets: number, maxAgeMs: number) => Promise<DoneState | null>;
  /** Keeps each verdict the API gave for `storedVerdict` (not awaited: a failure only logs). */
  storeVerdict?: (packets: number, state: DoneState) => Promise<void>;
  /**
   * Single-flight across replicas (core/flight-claims): before creating a task, the flight
   * claims it in the store; a flight another live replica owns follows that replica's task
   * instead. `scope` names the upstream (its provider identity), `me` this replica. Absent:
   * single-flight within this process only.
   */
  claims?: { port: FlightClaimPort; me: string; scope: string; ttlMs?: number };
}

export interface PingService extends PingChecker {
  /** Checks in flight now. */
  readonly inFlight: number;
  /** Aborts every check in flight and waits for them to settle. */
  close(): Promise<void>;
}

/** Checks are the same check when service and packet count agree. */
const flightKey = (serviceId: number, packets: number): string => `${serviceId}/${packets}`;

/** One check in flight, shared by every watcher of its service and packet count. */
interface Flight {
  key: string;
  serviceId: number;
  startedAt: number;
  current: CheckState;
  watchers: Set<Watcher>;
  interactive: number;
  abort: AbortController;
  /** Set once the run starts; resolves with its final state. */
  settled: Promise<DoneState> | null;
  /** True once its creation left the request queue, until it is done. */
  underWay: boolean;
}

/**
 * The core service: single-flight per service id, a short cache of verdicts, one request
 * budget in which people go before sweeps, and per-watcher cancellation.
 */
/** How long a recalled verdict waits for its check (they normally follow each other at once). */
const RECALL_KEEP_MS = 5000;

export function createPingService(deps: PingServiceDeps): PingService {
  const { clock, polling } = deps;
  const flights = new Map<string, Flight>();
  const cache = new Map<string, { state: DoneState; at: number }>();
  const log = deps.logger.child({ component: 'ping-service' });
  /** Checks past the queue and not yet finished: each still owes at least one poll, which goes before any waiting creation. */
  let underWay = 0;

  /** Verdicts on their way to the shared result cache: close() waits for them (the CLI exits right after). */
  const keeping = new Set<Promise<void>>();
  const keep = (packets: number, state: DoneState) => {
    if (!deps.storeVerdict) return;
    const p = deps
      .storeVerdict(packets, state)
      .catch((err: unknown) => log.warn({ serviceId: state.serviceId, err: (err as Error).message }, 'verdict not kept in the shared result cache'))
      .finally(() => keeping.delete(p));
    keeping.add(p);
  };

  /** Stored verdicts `recall` found, for the check() that follows it (then forgotten). */
  const recalled = new Map<string, { state: DoneState; at: number }>();

  const cachedVerdict = (serviceId: number, packets: number): DoneState | null => {
    const key = flightKey(serviceId, packets);
    const hit = cache.get(key);
    if (hit && clock.now() - hit.at <= polling.resultCacheMs) return { ...hit.state, cached: true };
    if (hit) cache.delete(key);
    const stored = recalled.get(key);
    recalled.delete(key);
    return stored && clock.now() - stored.at <= RECALL_KEEP_MS ? { ...stored.state, cached: true } : null;
  };

  const startFlight = (serviceId: number, packets: number, router: string | null, resume: CheckOptions['resume']): Flight => {
    const abort = new AbortController();
    const key = flightKey(serviceId, packets);
    const flight: Flight = {
      key,
      serviceId,
      startedAt: resume ? Math.min(resume.startedAt, clock.now()) : clock.now(),
      current: { kind: 'starting', serviceId, elapsedMs: 0 },
      watchers: new Set(),
      interactive: 0,
      abort,
      settled: null,
      // A resumed check's task exists: it owes polls from the start.
      underWay: resume !== undefined,
    };
    if (resume) underWay++;
    const planner = deps.planner;
    const task: TaskKind = { packets, router };
    /** Set while this replica owns the flight's claim in the store: renewed until done, then released. */
    let owned: { key: string; port: FlightClaimPort; me: string; ttlMs: number; stop: AbortController; taskId: string | null } | null = null;
    const run = (resumeAt: CheckOptions['resume']) => runCheck(
      { api: deps.api, clock, logger: deps.logger, ...(deps.random ? { random: deps.random } : {}) },
      {
        serviceId,
        packets,
        schedule: polling,
        plan: planFor(flight, packets, planner?.plan(task)),
        ...(planner ? { onObserved: (obs: TaskObservation) => planner.observe(task, obs) } : {}),
        timeoutMs: polling.timeoutMs,
        signal: abort.signal,
        ...(resumeAt ? { resume: resumeAt } : {}),
        // Read whenever the queue decides, so a person joining a sweep's check moves it up.
        beforeRequest: async (kind, signal, onWait) => {
          await deps.queue.take(
            kind,
            () => (flight.interactive > 0 ? 'interactive' : 'background'),
            signal,
            onWait && ((p) => onWait({ ...p, etaMs: p.etaMs + underWay * p.msPerRequest })),
          );
          if (kind === 'create' && !flight.underWay) {
            flight.underWay = true;
            underWay++;
          }
        },
        emit: (state) => {
          flight.current = state;
          if (owned && state.kind === 'created') {
            // Followers on other replicas poll this task from now on.
            owned.taskId = state.taskId;
            const o = owned;
            o.port.renew(o.key, o.me, state.taskId, clock.now(), o.ttlMs).catch((err: unknown) => log.warn({ serviceId, err: (err as Error).message }, 'flight claim not updated with its task'));
          }
          if (owned && state.kind === 'done') {
            const o = owned;
            owned = null;
            o.stop.abort(NO_LONGER_NEEDED);
            o.port.release(o.key, o.me).catch(() => {});
          }
          if (state.kind === 'done' && flight.underWay) {
            flight.underWay = false;
            underWay--;
          }
          if (state.kind === 'done') {
            // Before watchers hear of it, so whoever asks next starts anew or hits the cache.
            flights.delete(key);
            if (state.reason.kind === 'verdict' && polling.resultCacheMs > 0) {
              cache.set(key, { state, at: clock.now() });
              keep(packets, state);
            }
            deps.onDone?.(state);
          }
          for (const w of flight.watchers) w.push(state);
        },
      },
    );
    const claims = deps.claims;
    if (resume || !claims) {
      flight.settled = run(resume);
    } else {
      const claimKey = `${claims.scope}/${serviceId}/${packets}`;
      const ttlMs = claims.ttlMs ?? CLAIM_TTL_MS;
      flight.settled = settleClaim(claims.port, claimKey, claims.me, ttlMs, abort.signal).then((d) => {
        if (d.kind === 'follow') {
          log.info({ serviceId, packets, taskId: d.taskId, owner: d.owner }, 'following the ping task another replica created for the same client');
          flight.underWay = true;
          underWay++;
          return run({ taskId: d.taskId, startedAt: d.startedAt });
        }
        if (d.kind === 'own' && !abort.signal.aborted) {
          const stop = new AbortController();
          owned = { key: claimKey, port: claims.port, me: claims.me, ttlMs, stop, taskId: null };
          void renewWhileFlying(owned);
        }
        return run(undefined);
      });
    }
    flights.set(key, flight);
    return flight;
  };

  /** Claims the flight, waiting while another live replica's creation is under way; `own` also when the store fails (said once). */
  const settleClaim = async (port: FlightClaimPort, claimKey: string, me: string, ttlMs: number, signal: AbortSignal): Promise<ClaimDecision> => {
    for (;;) {
      if (signal.aborted) return { kind: 'own' };
      let d: ClaimDecision;
      try {
        d = decideClaim(await port.claim(claimKey, me, clock.now(), ttlMs), me, clock.now());
      } catch (err) {
        log.warn({ claim: claimKey, err: (err as Error).message }, 'flight claim unreadable; single-flight within this replica only for this check');
        return { kind: 'own' };
      }
      if (d.kind !== 'wait') return d;
      try {
        await clock.sleep(d.ms, signal);
      } catch {
        return { kind: 'own' };
      }
    }
  };

  /** The owner renews its claim every third of its TTL while the flight lives (a dead owner's lapses and is taken over). */
  const renewWhileFlying = async (o: { key: string; port: FlightClaimPort; me: string; ttlMs: number; stop: AbortController; taskId: string | null }) => {
    for (;;) {
      try {
        await clock.sleep(Math.max(1, Math.floor(o.ttlMs / 3)), o.stop.signal);
      } catch {
        return;
      }
      await o.port.renew(o.key, o.me, o.taskId, clock.now(), o.ttlMs).catch(() => {});
    }
  };

  /**
   * Where a check polls: for a person, the learned plan (or today's packet schedule); while
   * only sweeps watch it, the thrifty background plan. Read at every poll: a person who joins a
   * sweep's check waits for the poll already scheduled (for 4 packets 5.5 s after creation, when
   * the task has mostly ended anyway), then polls on people's schedule.
   */
  const planFor = (flight: Flight, packets: number, learned: ((attempt: number) => number) | undefined) => {
    const people = learned ?? ((attempt: number) => pollOffset(attempt, packets, polling));
    if (deps.thriftyBackground === false) return people;
    return (attempt: number) => (flight.interactive > 0 ? people(attempt) : backgroundPollOffset(attempt, packets, polling));
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

    async recall(serviceId, packets = polling.packets) {
      const key = flightKey(serviceId, packets);
      if (polling.resultCacheMs <= 0 || !deps.storedVerdict || flights.has(key)) return;
      const hit = cache.get(key);
      if (hit && clock.now() - hit.at <= polling.resultCacheMs) return;
      let stored: DoneState | null = null;
      try {
        stored = await deps.storedVerdict(serviceId, packets, polling.resultCacheMs);
      } catch (err) {
        log.warn({ serviceId, err: (err as Error).message }, 'stored verdict unreadable; checking anew');
      }
      if (!stored) return;
      recalled.delete(key);
      recalled.set(key, { state: stored, at: clock.now() });
      // Only a recall not followed by its check is left over: keep the newest few.
      while (recalled.size > 1000) recalled.delete(recalled.keys().next().value as string);
    },

    check(serviceId: number, opts: CheckOptions = {}): CheckHandle {
      const priority: Priority = opts.priority ?? 'interactive';
      const packets = opts.packets ?? polling.packets;
      const key = flightKey(serviceId, packets);
      if (!opts.fresh && !opts.resume && !flights.has(key)) {
        const hit = cachedVerdict(serviceId, packets);
        if (hit) {
          deps.onDone?.(hit);
          return finishedHandle(hit);
        }
      }
      let flight = flights.get(key);
      if (!flight && opts.resume) {
        // Its task exists already: nothing to create, so nothing to admit.
        flight = startFlight(serviceId, packets, opts.router ?? null, opts.resume);
      } else if (!flight) {
        // Past the queue's bound a new check is refused before anything is created.
        const admission = deps.queue.admit();
        if (!admission.ok) {
          log.warn({ serviceId, retryAfterMs: admission.retryAfterMs, why: admission.reason }, 'request queue full; check refused');
          const busy: DoneState = {
            kind: 'done',
            serviceId,
            taskId: null,
            verdict: 'failed',
            message: null,
            lossPct: null,
            rttMs: null,
            polls: 0,
            elapsedMs: 0,
            reason: { kind: 'busy', retryAfterMs: admission.retryAfterMs },
            cached: false,
          };
          deps.onDone?.(busy);
          return finishedHandle(busy);
        }
        flight = startFlight(serviceId, packets, opts.router ?? null, undefined);
      }
      const joined = flight;
      const watcher = new Watcher(serviceId, priority, joined.current, () => clock.now() - joined.startedAt, (by) => leave(joined, watcher, by));
      joined.watchers.add(watcher);
      if (priority === 'interactive') joined.interactive++;
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
      for (const f of all) f.abort.abort({ kind: 'cancelled', by: null, shutdown: true } satisfies AbortCause);
      await Promise.all(all.map((f) => f.settled));
      await Promise.all(keeping);
      await deps.planner?.flush();
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

  cancel(by?: string | null, opts: { shutdown?: boolean } = {}): void {
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
      reason: opts.shutdown ? { kind: 'cancelled', by: null, shutdown: true } : { kind: 'cancelled', by: by ?? null },
      cached: false,
      lossPct: null,
      rttMs: null,
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
