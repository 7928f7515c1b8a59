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

/** What a request does: create a task, or read one (a poll, and anything else once a task exists). */
export type RequestKind = 'create' | 'poll';

export type RequestClass = 'poll:interactive' | 'poll:background' | 'create:interactive' | 'create:background';

/** Serving order, first to last. */
export const CLASS_ORDER: readonly RequestClass[] = ['poll:interactive', 'poll:background', 'create:interactive', 'create:background'];

/** A check costs at least its creation and one poll; the ETA of a queued creation counts both. */
export const REQUESTS_PER_CHECK = 2;

export function classOf(kind: RequestKind, priority: Priority): RequestClass {
  return `${kind}:${priority}`;
}

/** Which class is served next, given how many wait in each: the first non-empty in CLASS_ORDER. */
export function nextClass(waiting: Readonly<Record<RequestClass, number>>): RequestClass | null {
  return CLASS_ORDER.find((c) => waiting[c] > 0) ?? null;
}

/** Queued creations served before one at `index` (0-based) in `cls`: all of the classes before it, then its own. */
export function creationsAhead(cls: RequestClass, index: number, waiting: Readonly<Record<RequestClass, number>>): number {
  let n = index;
  for (const c of CLASS_ORDER) {
    if (c === cls) break;
    if (c.startsWith('create:')) n += waiting[c];
  }
  return n;
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
  etaMs: number;
}

export interface RequestQueue {
  /**
   * Resolves when this request may be sent (one token taken); rejects with the signal's reason
   * when it aborts first, or with BusyError when a creation waited longer than the bound.
   * `onWait` hears the position of a waiting creation, at first and whenever it moves.
   */
  take(kind: RequestKind, priority: Priority, signal?: AbortSignal, onWait?: (p: QueuePosition) => void): Promise<void>;
  /** Asked before a new check starts: may its creation join the queue? */
  admit(): Admission;
  /** Requests waiting now. */
  readonly waiting: number;
}

export interface RequestQueueOptions {
  perMinute: number;
  /** Tokens that may go at once after a quiet spell. */
  burst: number;
  clock: Clock;
  /** Most creations waiting (PING_QUEUE_MAX). */
  max: number;
  /** Longest a creation may wait for budget (PING_QUEUE_MAX_WAIT_MS). */
  maxWaitMs: number;
}

interface Waiter {
  cls: RequestClass;
  grant: () => void;
  fail: (err: unknown) => void;
  onWait: ((p: QueuePosition) => void) | undefined;
  live: boolean;
  lastAhead: number;
}

/** The queue: one pump takes a token, then hands it to whoever comes first at that moment. */
export function createRequestQueue(o: RequestQueueOptions): RequestQueue {
  const bucket: TokenBucket = createTokenBucket({ perMinute: o.perMinute, burst: o.burst, clock: o.clock });
  const msPerRequest = 60_000 / o.perMinute;
  const queues: Record<RequestClass, Waiter[]> = {
    'poll:interactive': [],
    'poll:background': [],
    'create:interactive': [],
    'create:background': [],
  };
  const counts = (): Record<RequestClass, number> => ({
    'poll:interactive': queues['poll:interactive'].length,
    'poll:background': queues['poll:background'].length,
    'create:interactive': queues['create:interactive'].length,
    'create:background': queues['create:background'].length,
  });
  const total = () => CLASS_ORDER.reduce((n, c) => n + queues[c].length, 0);
  const polls = () => queues['poll:interactive'].length + queues['poll:background'].length;
  let pumping = false;
  let tokenWait: AbortController | undefined;

  /** Tells every waiting creation whose place changed (O(queued) per grant: at most PING_QUEUE_MAX). */
  const tellPositions = () => {
    const waiting = counts();
    const p = polls();
    for (const cls of ['create:interactive', 'create:background'] as const) {
      queues[cls].forEach((w, i) => {
        const ahead = creationsAhead(cls, i, waiting);
        if (w.onWait && ahead !== w.lastAhead) {
          w.lastAhead = ahead;
          w.onWait({ ahead, etaMs: creationEtaMs(ahead, p, msPerRequest) });
        }
      });
    }
  };

  const remove = (w: Waiter) => {
    const q = queues[w.cls];
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    w.live = false;
    if (total() === 0) tokenWait?.abort();
  };

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (total() > 0) {
        const ctl = new AbortController();
        tokenWait = ctl;
        try {
          await bucket.take('high', ctl.signal);
        } catch {
          continue; // the queue emptied while waiting; the loop ends unless someone came meanwhile
        }
        // The order is decided when the token is in hand: a poll that arrived meanwhile goes first.
        const cls = nextClass(counts());
        const w = cls ? queues[cls].shift() : undefined;
        if (!w) continue;
        w.live = false;
        w.grant();
        if (cls?.startsWith('create:')) tellPositions();
      }
    } finally {
      pumping = false;
      tokenWait = undefined;
    }
  }

  return {
    take(kind, priority, signal, onWait) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const cls = classOf(kind, priority);
      // Nobody waiting and a token free: go now, no place in line to report.
      if (total() === 0 && bucket.tryTake()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const bound = new AbortController();
        const w: Waiter = {
          cls,
          live: true,
          lastAhead: -1,
          onWait,
          grant: () => {
            bound.abort();
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          fail: (err) => {
            bound.abort();
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
        queues[cls].push(w);
        if (kind === 'create') {
          // A creation that waits past the bound gives up rather than hold a person for ever.
          o.clock.sleep(o.maxWaitMs, bound.signal).then(
            () => {
              if (!w.live) return;
              remove(w);
              w.fail(new BusyError(creationEtaMs(total(), polls(), msPerRequest)));
              tellPositions();
            },
            () => {},
          );
          if (onWait) {
            const ahead = creationsAhead(cls, queues[cls].length - 1, counts());
            w.lastAhead = ahead;
            onWait({ ahead, etaMs: creationEtaMs(ahead, polls(), msPerRequest) });
          }
        }
        void pump();
      });
    },
    admit() {
      const queuedCreations = queues['create:interactive'].length + queues['create:background'].length;
      return admit({ queuedCreations, pollsWaiting: polls(), max: o.max, maxWaitMs: o.maxWaitMs, msPerRequest });
    },
    get waiting() {
      return total();
    },
  };
}
