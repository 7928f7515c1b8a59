/**
 * The one ordered queue in front of the Ping API's request budget. A created task is a debt:
 * if new creations took tokens ahead of the polls of tasks already created, a burst would
 * create tasks nobody reads (issue 8). So every request waits here in one of four classes,
 * served strictly in this order, first come first served within a class:
 *
 *   polls of people's checks > polls of sweeps' checks > people's creations > sweeps' creations
 *
 * The decisions are small pure functions (table-tested); the queue is a thin shell on the
 * injected Clock and a token bucket.
 */
import type { Clock } from '../util/clock.js';
import { createTokenBucket, type TokenBucket } from '../util/token-bucket.js';
import { BusyError } from './errors.js';
import type { Priority } from './ping-service.types.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';
import { observedMsPerRequest, withSample, type PaceSample } from './queue-pace.js';

/**
 * `create`: the first request of a new check (its task's creation). `poll`: any request of a
 * check already under way (polls, and retries of its creation once its deadline runs).
 */
export type RequestKind = 'create' | 'poll';

export type RequestClass = 'poll:interactive' | 'poll:background' | 'create:interactive' | 'create:background';

/** Serving order, first to last. */
export const CLASS_ORDER: readonly RequestClass[] = ['poll:interactive', 'poll:background', 'create:interactive', 'create:background'];

/** A check costs at least its creation and one poll; the ETA of a queued creation counts both. */
export const REQUESTS_PER_CHECK = 2;

export function classOf(kind: RequestKind, priority: Priority): RequestClass {
  return `${kind}:${priority}`;
}

/** About how long a creation with `ahead` creations and `polls` polls before it waits for budget. */
export function creationEtaMs(ahead: number, polls: number, msPerRequest: number): number {
  return Math.round((polls + ahead * REQUESTS_PER_CHECK + 1) * msPerRequest);
}

/** Whether a new check may queue its creation. */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number; reason: 'full' | 'too_long' };

/**
 * A new check is refused at once, before anything is created, when `max` creations already
 * wait, or when its creation would wait longer than `maxWaitMs`. "Try again" is when the
 * queue as it stands would have drained.
 */
export function admit(o: { queuedCreations: number; pollsWaiting: number; max: number; maxWaitMs: number; msPerRequest: number }): Admission {
  const eta = creationEtaMs(o.queuedCreations, o.pollsWaiting, o.msPerRequest);
  if (o.queuedCreations >= o.max) return { ok: false, retryAfterMs: eta, reason: 'full' };
  if (eta > o.maxWaitMs) return { ok: false, retryAfterMs: eta, reason: 'too_long' };
  return { ok: true };
}

/** Where a queued creation stands. */
export interface QueuePosition {
  /** Checks whose creation goes before this one. */
  ahead: number;
  /** From what waits in the queue now; the caller adds what it knows will come (polls of its open tasks). */
  etaMs: number;
  /** What one request costs of the budget, for such additions. */
  msPerRequest: number;
}

export interface RequestQueue {
  /**
   * Resolves when this request may be sent (one token taken); rejects with the signal's reason
   * when it aborts first, or with BusyError when a creation waited longer than the bound.
   * `priority` may be a function, read whenever the order is decided: a person joining a
   * sweep's check moves it up. `onWait` hears the position of a waiting creation, at first and
   * whenever it moves.
   */
  take(kind: RequestKind, priority: Priority | (() => Priority), signal?: AbortSignal, onWait?: (p: QueuePosition) => void): Promise<void>;
  /** Asked before a new check starts: may its creation join the queue? */
  admit(): Admission;
  /** Requests waiting now. */
  readonly waiting: number;
}

/**
 * What a draw of tokens is for: the best class waiting, in three tiers. A budget shared by
 * replicas ranks draws across them by it (core/shared-budget): each replica's queue orders only
 * its own requests, and another replica's polls must not wait behind this one's creations.
 */
export type DrawFor = 'polls' | 'people' | 'sweeps';

/** The tier of a request: polls of any check (debts), people's creations, sweeps' creations. */
export function drawFor(kind: RequestKind, priority: Priority): DrawFor {
  if (kind === 'poll') return 'polls';
  return priority === 'interactive' ? 'people' : 'sweeps';
}

const DRAW_RANK: Record<DrawFor, number> = { polls: 0, people: 1, sweeps: 2 };

/** What the next draw is for and how many tokens it asks (those waiting in its tier, at most DRAW_BATCH); null when nothing waits. */
export function nextDraw(waiting: readonly Waiting[]): { purpose: DrawFor; want: number } | null {
  const best = waiting[nextIndex(waiting)];
  if (!best) return null;
  const purpose = drawFor(best.kind, best.priority);
  const inTier = waiting.reduce((n, w) => n + (drawFor(w.kind, w.priority) === purpose ? 1 : 0), 0);
  return { purpose, want: Math.min(inTier, DRAW_BATCH) };
}

/**
 * Where the queue's tokens come from: an in-process bucket (`localTokens`), or the budget every
 * replica shares (`core/shared-budget`).
 */
export interface TokenSource {
  /**
   * Resolves with how many tokens (1 to `want`) the queue may hand out now, for requests of the
   * tier `purpose` (a shared budget leaves tokens in the bucket for better tiers on other
   * replicas). Rejects with the signal's reason when it aborts first, having taken nothing.
   */
  take(want: number, purpose: DrawFor, signal: AbortSignal): Promise<number>;
  /** A token now, if one is free without waiting (only an in-process bucket can say at once). */
  tryTake?(): boolean;
}

/** The in-process source: one bucket of `perMinute` with `burst`, one token at a time. */
export function localTokens(o: { perMinute: number; burst: number; clock: Clock }): TokenSource {
  const bucket: TokenBucket = createTokenBucket(o);
  return {
    take: (_want, _purpose, signal) => bucket.take('high', signal).then(() => 1),
    tryTake: () => bucket.tryTake(),
  };
}

/** Most tokens the queue asks its source for at once (a shared budget's batch). */
export const DRAW_BATCH = 5;

export interface RequestQueueOptions {
  /** The rate the source refills at: the fastest pace the ETA and the admission count with (core/queue-pace). */
  perMinute: number;
  /** Tokens that may go at once after a quiet spell (the in-process bucket, when no `source`). */
  burst: number;
  /** Where tokens come from; an in-process bucket of `perMinute` and `burst` by default. */
  source?: TokenSource;
  clock: Clock;
  /** Most creations waiting (PING_QUEUE_MAX). */
  max: number;
  /** Longest a creation may wait for budget (PING_QUEUE_MAX_WAIT_MS). */
  maxWaitMs: number;
}

/** What the order needs to know of a waiting request. */
export interface Waiting {
  kind: RequestKind;
  priority: Priority;
}

/** Index of the request served next in `waiting` (arrival order): the first of the best class, or -1. */
export function nextIndex(waiting: readonly Waiting[]): number {
  for (const cls of CLASS_ORDER) {
    const i = waiting.findIndex((w) => classOf(w.kind, w.priority) === cls);
    if (i >= 0) return i;
  }
  return -1;
}

/** For each waiting creation (arrival order), how many creations are served before it. */
export function creationPlaces(creations: readonly Priority[]): number[] {
  const people = creations.filter((p) => p === 'interactive').length;
  let peopleSeen = 0;
  let sweepsSeen = 0;
  return creations.map((p) => (p === 'interactive' ? peopleSeen++ : people + sweepsSeen++));
}

interface Waiter {
  kind: RequestKind;
  priority: () => Priority;
  grant: () => void;
  fail: (err: unknown) => void;
  onWait: ((p: QueuePosition) => void) | undefined;
  live: boolean;
  lastAhead: number;
}

/** The queue: one pump takes a token, then hands it to whoever comes first at that moment. */
export function createRequestQueue(o: RequestQueueOptions): RequestQueue {
  const source: TokenSource = o.source ?? localTokens(o);
  const configuredMsPerRequest = 60_000 / o.perMinute;
  /** Draws that served polls and people's creations (core/queue-pace), the last window's. */
  let paceSamples: PaceSample[] = [];
  /** Since when such requests have waited for the draw under way; null while none does. */
  let servedSince: number | null = null;
  const msPerRequest = () => observedMsPerRequest(paceSamples, o.clock.now(), configuredMsPerRequest);
  /** Every waiting request in arrival order (at most PING_QUEUE_MAX creations plus one poll per check in flight). */
  let queue: Waiter[] = [];
  const polls = () => queue.reduce((n, w) => n + (w.kind === 'poll' ? 1 : 0), 0);
  const creations = () => queue.filter((w) => w.kind === 'create');
  let pumping = false;
  let tokenWait: AbortController | undefined;
  /** The tier the draw under way is for: a request of a better tier arriving restarts it. */
  let drawing: DrawFor | null = null;

  /** Tells every waiting creation whose place changed (O(queued) per grant). */
  const tellPositions = () => {
    const waiting = creations();
    const places = creationPlaces(waiting.map((w) => w.priority()));
    const p = polls();
    const pace = msPerRequest();
    waiting.forEach((w, i) => {
      const ahead = places[i] ?? 0;
      if (w.onWait && ahead !== w.lastAhead) {
        w.lastAhead = ahead;
        w.onWait({ ahead, etaMs: creationEtaMs(ahead, p, pace), msPerRequest: pace });
      }
    });
  };

  const remove = (w: Waiter) => {
    queue = queue.filter((x) => x !== w);
    w.live = false;
    if (queue.length === 0) tokenWait?.abort(NO_LONGER_NEEDED);
  };

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const draw = nextDraw(queue.map((w) => ({ kind: w.kind, priority: w.priority() })));
        if (!draw) break;
        const ctl = new AbortController();
        tokenWait = ctl;
        drawing = draw.purpose;
        // A sweeps-only draw waits for the reserve people keep: its pace is not theirs.
        if (draw.purpose === 'sweeps') servedSince = null;
        else servedSince ??= o.clock.now();
        let tokens: number;
        try {
          tokens = await source.take(draw.want, draw.purpose, ctl.signal);
        } catch {
          continue; // the queue emptied (or a better tier came) while waiting; the loop ends unless someone waits
        }
        // The order is decided when the tokens are in hand: a poll that arrived meanwhile goes
        // first. Tokens beyond who still waits (they left during the draw) are not kept: a token
        // held back would let more than the rate through in some minute.
        let created = false;
        let granted = 0;
        for (let t = 0; t < tokens; t++) {
          const i = nextIndex(queue.map((w) => ({ kind: w.kind, priority: w.priority() })));
          const w = queue[i];
          if (!w) break;
          queue.splice(i, 1);
          w.live = false;
          w.grant();
          granted++;
          created ||= w.kind === 'create';
        }
        if (draw.purpose !== 'sweeps' && servedSince !== null && granted > 0) {
          const now = o.clock.now();
          paceSamples = withSample(paceSamples, { at: now, tokens: granted, ms: now - servedSince });
          servedSince = now;
        }
        if (created) tellPositions();
      }
    } finally {
      pumping = false;
      tokenWait = undefined;
      drawing = null;
      // An idle spell is not a wait: the next draw's sample starts with it.
      servedSince = null;
    }
  }

  return {
    take(kind, priority, signal, onWait) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      // Nobody waiting and a token free: go now, no place in line to report.
      if (queue.length === 0 && source.tryTake?.()) return Promise.resolve();
      const priorityOf = typeof priority === 'function' ? priority : () => priority;
      return new Promise<void>((resolve, reject) => {
        // Only a creation has a bound on its wait; a poll's grant need not abort a timer.
        const bound = kind === 'create' ? new AbortController() : null;
        const w: Waiter = {
          kind,
          priority: priorityOf,
          live: true,
          lastAhead: -1,
          onWait,
          grant: () => {
            bound?.abort(NO_LONGER_NEEDED);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          fail: (err) => {
            bound?.abort(NO_LONGER_NEEDED);
            signal?.removeEventListener('abort', onAbort);
            reject(err);
          },
        };
        const onAbort = () => {
          if (!w.live) return;
          remove(w);
          w.fail(signal?.reason);
          tellPositions();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(w);
        // A draw leaves tokens for better tiers (a sweeps-only draw the reserve, seconds of
        // refill): a request of a better tier does not wait behind that; the draw starts again for it.
        if (pumping && drawing !== null && DRAW_RANK[drawFor(kind, priorityOf())] < DRAW_RANK[drawing]) tokenWait?.abort(NO_LONGER_NEEDED);
        if (bound) {
          // A creation that waits past the bound gives up rather than hold a person for ever.
          o.clock.sleep(o.maxWaitMs, bound.signal).then(
            () => {
              if (!w.live) return;
              remove(w);
              w.fail(new BusyError(creationEtaMs(creations().length, polls(), msPerRequest())));
              tellPositions();
            },
            () => {},
          );
          if (onWait) tellPositions();
        }
        void pump();
      });
    },
    admit() {
      return admit({ queuedCreations: creations().length, pollsWaiting: polls(), max: o.max, maxWaitMs: o.maxWaitMs, msPerRequest: msPerRequest() });
    },
    get waiting() {
      return queue.length;
    },
  };
}
