import { NO_LONGER_NEEDED } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import { WaiterQueue } from '../util/waiter-queue.js';

/**
 * Acks first: the work that follows an acknowledged command (who is asking, the look-up, the
 * store, the first posts) waits while commands keep arriving, and then starts one unit per
 * event-loop turn. Node answers requests one after another (each one's handling runs to its
 * ack without yielding), so in a burst every unit started between two requests delays every
 * ack after it: the 50th person's ack queued behind the first 49 checks' follow-up work.
 * A burst is over when no request has been in hand for `quietMs`.
 *
 * Bounded and ordered: units start in arrival order; none waits longer than `maxHoldMs` even
 * while requests keep coming (follow-up work is never starved), and past `maxQueued` waiting
 * units a new one starts at once instead of being held.
 */
export interface AckFirst {
  /** Marks a request as being handled; call the returned function once its answer is written (or it failed). */
  incoming(): () => void;
  /** Runs `work` once the requests in hand were answered and no other came for a moment; settles like `work`. */
  after<T>(work: () => Promise<T>): Promise<T>;
  /** Units waiting to start. */
  readonly waiting: number;
}

export interface AckFirstOptions {
  clock: Clock;
  /** How long no request must have been in hand before follow-up work starts (default 30 ms). */
  quietMs?: number;
  /** Longest a unit waits for a quiet moment (default 1000 ms; Slack's window is 3 s). */
  maxHoldMs?: number;
  /** Most units held at once (default 10,000); past it, units start without waiting. */
  maxQueued?: number;
}

interface Unit {
  live: true;
  start: () => void;
  at: number;
}

export function createAckFirst(o: AckFirstOptions): AckFirst {
  const quietMs = o.quietMs ?? 30;
  const maxHoldMs = o.maxHoldMs ?? 1000;
  const maxQueued = o.maxQueued ?? 10_000;
  const queue = new WaiterQueue<Unit>();
  let inHand = 0;
  let lastSeen = Number.NEGATIVE_INFINITY;
  let turnScheduled = false;
  let wake: AbortController | null = null;

  /** The next turn starts at most one unit: the listener's I/O runs between two starts. */
  const schedule = () => {
    if (turnScheduled || queue.size === 0) return;
    turnScheduled = true;
    setImmediate(turn);
  };

  const wakeIn = (ms: number) => {
    wake?.abort(NO_LONGER_NEEDED);
    const timer = new AbortController();
    wake = timer;
    o.clock.sleep(ms, timer.signal).then(
      () => {
        if (wake === timer) wake = null;
        schedule();
      },
      () => undefined,
    );
  };

  const turn = () => {
    turnScheduled = false;
    const unit = queue.peek();
    if (!unit) return;
    const now = o.clock.now();
    const holdLeft = unit.at + maxHoldMs - now;
    // While a request is in hand its release schedules the next look; the hold ends the wait either way.
    const quietLeft = inHand > 0 ? Number.POSITIVE_INFINITY : lastSeen + quietMs - now;
    if (holdLeft > 0 && quietLeft > 0) return wakeIn(Math.min(holdLeft, quietLeft));
    queue.shift();
    wake?.abort(NO_LONGER_NEEDED);
    wake = null;
    unit.start();
    schedule();
  };

  return {
    incoming() {
      inHand++;
      lastSeen = o.clock.now();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inHand--;
        lastSeen = o.clock.now();
        schedule();
      };
    },
    after(work) {
      return new Promise((resolve, reject) => {
        const start = () => {
          try {
            work().then(resolve, reject);
          } catch (err) {
            reject(err);
          }
        };
        if (queue.size >= maxQueued) return start();
        queue.push({ live: true, start, at: o.clock.now() });
        schedule();
      });
    },
    get waiting() {
      return queue.size;
    },
  };
}
