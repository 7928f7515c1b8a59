import type { Clock } from './clock.js';
import { NO_LONGER_NEEDED } from './abort.js';
import { WaiterQueue } from './waiter-queue.js';

/** Who is waiting: a person or a final view ('high') goes before a background sweep or an intermediate view ('low'). */
export type Priority = 'high' | 'low';

/** A shared budget of operations per minute (chat edits, Ping API requests). */
export interface TokenBucket {
  /** Resolves once a token is taken for the caller; rejects with the signal's reason, consuming nothing, when it aborts first. */
  take(priority: Priority, signal?: AbortSignal): Promise<void>;
  /**
   * Takes a token nobody else needs: once at least `reserve` tokens are free and nobody waits in
   * `take`. Such callers queue behind every `take`, first come first served, and are handed one
   * token at a time, so a token coming free wakes one of them, not all. Rejects with the signal's
   * reason, consuming nothing, when it aborts first.
   */
  takeSpare(reserve: number, signal?: AbortSignal): Promise<void>;
  /** Puts back a token taken and not used (never beyond the burst). */
  refund(): void;
  /** Takes a token only if one is free now and nobody is queued ahead; never waits. */
  tryTake(): boolean;
  /** Whole tokens free right now. */
  available(): number;
  /** Most tokens the bucket holds (its burst). */
  readonly capacity: number;
  /** How many callers are queued in `take`. */
  readonly waiting: number;
}

/** Options of `createTokenBucket`. */
export interface TokenBucketOptions {
  /** Sustained rate: tokens added per minute, refilled continuously. */
  perMinute: number;
  /** Capacity, i.e. how many can be taken at once after a quiet spell; default min(perMinute, 10). */
  burst?: number;
  clock: Clock;
}

/** The default capacity for a rate: enough for a short burst, never more than a minute's worth. */
export function defaultBurst(perMinute: number): number {
  return Math.max(1, Math.min(perMinute, 10));
}

/**
 * Credit is kept in units of 1/60000 token so that a ms adds exactly `perMinute` units: with an
 * integer clock and an integer rate the arithmetic is exact, and a token arrives on the very ms
 * it is due (floating-point token fractions would sometimes be 1e-16 short and need another tick).
 */
const UNIT = 60_000;

interface Waiter {
  resolve: () => void;
  /** For a spare taker: tokens that must be free before it is served, in credit units. */
  reserve: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  live: boolean;
}

/** Creates a token bucket whose time comes only from `clock`; one sleep serves the whole queue. */
export function createTokenBucket(opts: TokenBucketOptions): TokenBucket {
  const { perMinute, clock } = opts;
  if (!Number.isFinite(perMinute) || perMinute <= 0) {
    throw new RangeError(`perMinute must be a positive number, got ${perMinute}`);
  }
  const burst = opts.burst ?? defaultBurst(perMinute);
  if (!Number.isFinite(burst) || burst < 1) {
    throw new RangeError(`burst must be a number >= 1, got ${burst}`);
  }
  const capacity = burst * UNIT;

  let credit = capacity;
  let last = clock.now();
  const high = new WaiterQueue<Waiter>();
  const low = new WaiterQueue<Waiter>();
  /** `takeSpare` callers: served only when `high` and `low` are empty. */
  const spare = new WaiterQueue<Waiter>();
  /** The one pending sleep until the next token anybody queued needs, and when it ends. */
  let timer: AbortController | undefined;
  let timerDue = 0;

  function refill(): void {
    const now = clock.now();
    // A clock stepping backwards must not drain credit; keep `last` until time catches up.
    if (now > last) {
      credit = Math.min(capacity, credit + (now - last) * perMinute);
      last = now;
    }
  }

  function queued(): number {
    return high.size + low.size;
  }

  function nextWaiter(): Waiter | undefined {
    return high.shift() ?? low.shift();
  }

  function grant(w: Waiter): void {
    credit -= UNIT;
    w.live = false;
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    w.resolve();
  }

  /** Hands out whatever credit there is to the queue heads, then sleeps until the next token if still needed. */
  function pump(): void {
    refill();
    while (credit >= UNIT && queued() > 0) {
      const w = nextWaiter();
      if (!w) break;
      grant(w);
    }
    // Spare takers only once every `take` is served, each only while its reserve is free.
    while (queued() === 0) {
      const w = spare.peek();
      if (!w || credit < w.reserve) break;
      spare.shift();
      grant(w);
    }
    // What the first one still waiting needs: a whole token for `take`, its reserve for a spare taker.
    const need = queued() > 0 ? UNIT : spare.peek()?.reserve;
    if (need === undefined) {
      cancelTimer();
      return;
    }
    const due = clock.now() + Math.max(1, Math.ceil((need - credit) / perMinute));
    // A `take` arriving behind a spare taker needs less credit: an earlier wake-up replaces the later.
    if (timer && timerDue <= due) return;
    cancelTimer();
    const ctrl = new AbortController();
    timer = ctrl;
    timerDue = due;
    clock.sleep(due - clock.now(), ctrl.signal).then(
      () => {
        if (timer !== ctrl) return;
        timer = undefined;
        pump();
      },
      () => {
        // Cancelled because the queue emptied or an earlier wake-up replaced it.
      },
    );
  }

  function cancelTimer(): void {
    const t = timer;
    timer = undefined;
    t?.abort(NO_LONGER_NEEDED);
  }

  function tryTakeNow(): boolean {
    refill();
    if (credit < UNIT) return false;
    credit -= UNIT;
    return true;
  }

  /** Queues `w` on `queue` until pump grants it; an abort takes it out, consuming nothing. */
  function enqueue(queue: WaiterQueue<Waiter>, w: Waiter, reject: (reason: unknown) => void): void {
    const { signal } = w;
    if (signal) {
      w.onAbort = () => {
        if (!w.live) return;
        w.live = false;
        queue.forget();
        if (queued() === 0 && spare.size === 0) cancelTimer();
        reject(signal.reason);
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    queue.push(w);
    pump();
  }

  return {
    take(priority, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      // Nobody of this priority or above may be overtaken; a 'high' caller may overtake 'low' ones.
      const ahead = priority === 'high' ? high.size : queued();
      if (ahead === 0 && tryTakeNow()) return Promise.resolve();
      const queue = priority === 'high' ? high : low;
      return new Promise<void>((resolve, reject) => enqueue(queue, { resolve, reserve: UNIT, signal, onAbort: undefined, live: true }, reject));
    },
    takeSpare(reserve, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const need = Math.min(burst, Math.max(1, reserve)) * UNIT;
      if (queued() === 0 && spare.size === 0) {
        refill();
        if (credit >= need) {
          credit -= UNIT;
          return Promise.resolve();
        }
      }
      return new Promise<void>((resolve, reject) => enqueue(spare, { resolve, reserve: need, signal, onAbort: undefined, live: true }, reject));
    },
    refund() {
      refill();
      credit = Math.min(capacity, credit + UNIT);
      pump();
    },
    tryTake() {
      return queued() === 0 && tryTakeNow();
    },
    available() {
      refill();
      return Math.floor(credit / UNIT);
    },
    capacity: burst,
    get waiting() {
      return queued();
    },
  };
}
