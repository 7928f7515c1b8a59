import type { CheckState, DoneReason, DoneState } from './check-state.js';
import { BusyError, PermanentError, TransientError, toFault, type Fault } from './errors.js';
import type { TaskObservation } from './duration-model.js';
import type { QueuePosition, RequestKind } from './request-queue.js';
import { cappedPollOffset, pollOffset, type ScheduleConfig } from './schedule.js';
import type { Verdict } from './verdict.js';
import type { CallOptions, PingApi } from './ping-api.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** Polls whose transient faults outlasted the client's own retries before we give up. */
export const MAX_FAILED_POLLS = 3;

/**
 * Each poll moves by up to ±10 % (at most ±100 ms), so checks started together (a sweep, a
 * burst of commands) do not hit the Ping API in the same millisecond for the rest of their
 * lives. Bounded, because a poll moved by half a second misses the window it was placed in.
 */
export const POLL_JITTER = 0.1;
export const POLL_JITTER_MAX_MS = 100;

/** A scheduled delay moved by jitter; `r` in [0, 1), 0.5 keeps it as is. */
export function jittered(delayMs: number, r: number): number {
  const spread = Math.min(POLL_JITTER * delayMs, POLL_JITTER_MAX_MS);
  return Math.max(0, Math.round(delayMs + spread * (2 * r - 1)));
}

const NOT_MEASURED = { lossPct: null, rttMs: null } as const;

/** Why a check's own deadline timer was stopped: it settled first. */
const CHECK_SETTLED = { kind: 'settled' } as const;

/** Why a running check was aborted. */
export type AbortCause = { kind: 'deadline' } | { kind: 'cancelled'; by: string | null; shutdown?: true };

export interface RunCheckOptions {
  serviceId: number;
  packets: number;
  schedule: ScheduleConfig;
  /** Poll times (ms after creation) from the learning schedule; today's packet schedule when absent. */
  plan?: (attempt: number) => number;
  /** Told how the task ended (pending until, final by), for the learning schedule. */
  onObserved?: (obs: TaskObservation) => void;
  /** The deadline of the check, from the moment its task's creation leaves the request queue. */
  timeoutMs: number;
  /** Aborted with an AbortCause as reason when every watcher left. */
  signal: AbortSignal;
  /**
   * Awaited before each HTTP request: the shared, ordered request queue. `onWait` is given for
   * the creation, which may wait its turn behind other checks.
   */
  beforeRequest: (kind: RequestKind, signal: AbortSignal | undefined, onWait?: (p: QueuePosition) => void) => Promise<void>;
  emit: (state: CheckState) => void;
  /**
   * Continue a check whose task already exists (after a restart): no task is created, polling
   * resumes on `taskId`, and the deadline counts from `startedAt` (the check's first start).
   */
  resume?: { taskId: string; startedAt: number };
}

export interface RunCheckDeps {
  api: PingApi;
  clock: Clock;
  logger: Logger;
  /** Source of poll jitter; tests pass `() => 0.5` for none. */
  random?: () => number;
}

/** Runs one check from task creation to verdict, emitting every state; never throws. */
export async function runCheck(deps: RunCheckDeps, o: RunCheckOptions): Promise<DoneState> {
  const { api, clock } = deps;
  const random = deps.random ?? Math.random;
  const start = o.resume ? Math.min(o.resume.startedAt, clock.now()) : clock.now();
  const elapsed = () => clock.now() - start;
  const log = deps.logger.child({ serviceId: o.serviceId });

  // One signal for the check: the watchers' abort or the deadline, whichever comes first.
  const ctl = new AbortController();
  const stopDeadline = new AbortController();
  const onOuterAbort = () => ctl.abort(o.signal.reason);
  if (o.signal.aborted) ctl.abort(o.signal.reason);
  else o.signal.addEventListener('abort', onOuterAbort, { once: true });
  // Time spent queued for budget is not the task's time: the deadline starts once the creation
  // leaves the queue (the queue bounds the wait before that on its own).
  let deadlineStarted = false;
  const startDeadline = (remainingMs: number) => {
    if (deadlineStarted) return;
    deadlineStarted = true;
    clock.sleep(Math.max(0, remainingMs), stopDeadline.signal).then(
      () => ctl.abort({ kind: 'deadline' } satisfies AbortCause),
      () => {},
    );
  };
  // A resumed check's task exists already: its deadline runs on from the check's first start.
  if (o.resume) startDeadline(o.timeoutMs - elapsed());
  const signal = ctl.signal;
  let queued = false;

  let taskId: string | null = null;
  let polls = 0;
  const offset = o.plan ?? ((attempt: number) => pollOffset(attempt, o.packets, o.schedule));
  const capCfg = { ...o.schedule, timeoutMs: o.timeoutMs };
  // Where the previous poll was placed: the plan is read afresh at every poll (a person joining
  // a sweep's check moves it), and whatever it says, the check polls no more often than the
  // documented strategy allows (cappedPollOffset).
  let placed: number | undefined;
  const delayOf = (attempt: number) => {
    const step = offset(attempt) - (attempt > 1 ? offset(attempt - 1) : 0);
    return cappedPollOffset(attempt, (placed ?? 0) + step, placed, capCfg) - (placed ?? 0);
  };
  // Times from the task's creation: the last poll that still saw it pending (when sent), and
  // when the final answer arrived. The task ended in between; that interval is all we know.
  let createdAt = 0;
  let pendingAt = 0;
  let lastFault: Fault | null = null;

  const done = (verdict: Verdict, message: string | null, reason: DoneReason, measured: { lossPct: number | null; rttMs: number | null } = NOT_MEASURED): DoneState => {
    const state: DoneState = { kind: 'done', serviceId: o.serviceId, taskId, verdict, message, polls, elapsedMs: elapsed(), reason, cached: false, ...measured };
    o.emit(state);
    return state;
  };
  const onWait = (p: QueuePosition) => {
    queued = true;
    o.emit({ kind: 'queued', serviceId: o.serviceId, ahead: p.ahead, etaMs: p.etaMs, elapsedMs: elapsed() });
  };
  const callOpts = (kind: RequestKind): CallOptions => ({
    signal,
    beforeRequest: async (s) => {
      // Only the first request of a check waits as a new creation; once its deadline runs, a
      // retry of the creation is a debt like a poll and goes ahead of checks not yet started.
      const first = kind === 'create' && !deadlineStarted;
      await o.beforeRequest(first ? 'create' : 'poll', s, first ? onWait : undefined);
      if (first) {
        startDeadline(o.timeoutMs);
        // Out of the queue: say so, the next words are about the task.
        if (queued) o.emit({ kind: 'starting', serviceId: o.serviceId, elapsedMs: elapsed() });
      }
    },
    onRetry: (fault, attempt, delayMs) => {
      lastFault = fault;
      log.warn({ taskId, fault, attempt, delayMs }, 'ping api fault, retrying');
      o.emit({ kind: 'retrying', serviceId: o.serviceId, taskId, fault, attempt, elapsedMs: elapsed(), retryInMs: delayMs });
    },
  });

  try {
    if (o.resume) {
      taskId = o.resume.taskId;
      // Created before a restart, at a time we do not know: polls start afresh, and the task
      // teaches the learning schedule nothing.
      createdAt = clock.now();
      log.info({ taskId, packets: o.packets, elapsedMs: elapsed() }, 'ping task resumed');
    } else {
      o.emit({ kind: 'starting', serviceId: o.serviceId, elapsedMs: elapsed() });
      taskId = (await api.createTask(o.serviceId, o.packets, callOpts('create'))).taskId;
      lastFault = null;
      createdAt = clock.now();
      log.info({ taskId, packets: o.packets }, 'ping task created');
    }
    o.emit({ kind: 'created', serviceId: o.serviceId, taskId, elapsedMs: elapsed() });

    let failedPolls = 0;
    for (let attempt = 1; ; attempt++) {
      const planned = delayOf(attempt);
      placed = (placed ?? 0) + planned;
      const delay = jittered(planned, random());
      o.emit({ kind: 'polling', serviceId: o.serviceId, taskId, attempt, elapsedMs: elapsed(), nextPollInMs: delay });
      await clock.sleep(delay, signal);
      polls++;
      try {
        const sentAt = clock.now() - createdAt;
        const result = await api.getResult(taskId, callOpts('poll'));
        lastFault = null;
        failedPolls = 0;
        if (result.kind !== 'final') pendingAt = sentAt;
        else {
          if (!o.resume) o.onObserved?.({ kind: 'finished', afterMs: pendingAt, byMs: clock.now() - createdAt });
          // debug: every caller logs the outcome it delivers (the chat engine's 'verdict', the NOC's
          // events), and the NOC checks a thousand lines a round.
          log.debug({ taskId, verdict: result.verdict, polls, elapsedMs: elapsed(), lossPct: result.lossPct, rttMs: result.rttMs }, 'check verdict');
          return done(result.verdict, result.message, { kind: 'verdict' }, { lossPct: result.lossPct, rttMs: result.rttMs });
        }
      } catch (err) {
        // A poll that outlasted its retries is not the end while the deadline allows another.
        if (!(err instanceof TransientError)) throw err;
        lastFault = toFault(err);
        if (++failedPolls >= MAX_FAILED_POLLS) throw err;
        o.emit({ kind: 'retrying', serviceId: o.serviceId, taskId, fault: lastFault, attempt: failedPolls, elapsedMs: elapsed(), retryInMs: delayOf(attempt + 1) });
      }
    }
  } catch (err) {
    if (signal.aborted) {
      const cause = signal.reason as AbortCause | undefined;
      if (cause?.kind === 'cancelled') {
        log.info({ taskId, by: cause.by, shutdown: cause.shutdown ?? false }, 'check cancelled');
        return done('cancelled', null, cause.shutdown ? { kind: 'cancelled', by: null, shutdown: true } : { kind: 'cancelled', by: cause.by });
      }
      // At the deadline an API that was failing explains more than "timed out" does.
      if (lastFault) {
        log.warn({ taskId, fault: lastFault }, 'check deadline passed during a ping api fault');
        return done('failed', null, { kind: 'error', fault: lastFault });
      }
      if (taskId !== null && polls > 0 && !o.resume) o.onObserved?.({ kind: 'unfinished', afterMs: pendingAt });
      log.warn({ taskId, polls }, 'check timed out');
      return done('timed_out', null, { kind: 'deadline' });
    }
    if (err instanceof BusyError) {
      log.warn({ retryAfterMs: err.retryAfterMs }, 'check waited too long for the request budget; nothing created');
      return done('failed', null, { kind: 'busy', retryAfterMs: err.retryAfterMs });
    }
    const fault = toFault(err);
    if (err instanceof PermanentError || err instanceof TransientError) {
      log.warn({ taskId, fault }, 'check failed on a ping api error');
    } else {
      log.error({ taskId, err }, 'check failed unexpectedly');
    }
    return done('failed', null, { kind: 'error', fault });
  } finally {
    // A plain reason: abort() without one builds a DOMException with a stack, once per check.
    stopDeadline.abort(CHECK_SETTLED);
    o.signal.removeEventListener('abort', onOuterAbort);
  }
}
