import { NO_LONGER_NEEDED } from '../util/abort.js';
import type { Clock } from '../util/clock.js';

/**
 * Acks first: the work that follows an acknowledged command (who is asking, the look-up, the
 * store, the first posts) waits while other commands are still being read or answered, and then
 * starts one unit per event-loop turn, so the server accepts and answers new requests between
 * units. In a morning burst the 50th person's ack no longer queues behind the first 49 checks.
 *
 * Bounded and ordered: units start in arrival order; none waits longer than `maxHoldMs` even
 * while requests keep coming (follow-up work is never starved), and past `maxQueued` waiting
 * units a new one starts at once instead of being held.
 */
export interface AckFirst {
  /** Marks a request as being handled; call the returned function once its answer is written (or it failed). */
  incoming(): () => void;
  /** Runs `work` once the requests in hand were answered; settles like `work`. */
  after<T>(work: () => Promise<T>): Promise<T>;
  /** Units waiting to start. */
  readonly waiting: number;
}

export interface AckFirstOptions {
  clock: Clock;
  /** Longest a unit waits for requests in hand to be answered (default 1000 ms; Slack's window is 3 s). */
  maxHoldMs?: number;
  /** Most units held at once (default 10,000); past it, units start without waiting. */
  maxQueued?: number;
}

interface Unit {
  start: () => void;
  at: number;
}

export function createAckFirst(o: AckFirstOptions): AckFirst {
  const maxHoldMs = o.maxHoldMs ?? 1000;
  const maxQueued = o.maxQueued ?? 10_000;
  const queue: Unit[] = [];
  let head = 0;
  let inHand = 0;
  let turnScheduled = false;
  let holdTimer: AbortController | null = null;

  const waiting = () => queue.length - head;

  /** The next turn starts at most one unit: the listener's I/O runs between two starts. */
  const schedule = () => {
    if (turnScheduled || waiting() === 0) return;
    turnScheduled = true;
    setImmediate(turn);
  };

  const turn = () => {
    turnScheduled = false;
    const unit = queue[head];
    if (!unit) return;
    const heldMs = o.clock.now() - unit.at;
    if (inHand > 0 && heldMs < maxHoldMs) {
      // Answers go first; wake when they are written (release) or when this unit's hold ends.
      if (!holdTimer) {
        const timer = new AbortController();
        holdTimer = timer;
        o.clock.sleep(maxHoldMs - heldMs, timer.signal).then(
          () => {
            if (holdTimer === timer) holdTimer = null;
            schedule();
          },
          () => undefined,
        );
      }
      return;
    }
    queue[head] = undefined as unknown as Unit;
    head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    holdTimer?.abort(NO_LONGER_NEEDED);
    holdTimer = null;
    unit.start();
    schedule();
  };

  return {
    incoming() {
      inHand++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inHand--;
        if (inHand === 0) schedule();
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
        if (waiting() >= maxQueued) return start();
        queue.push({ start, at: o.clock.now() });
        schedule();
      });
    },
    get waiting() {
      return waiting();
    },
  };
}
