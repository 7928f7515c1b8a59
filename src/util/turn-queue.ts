import { performance } from 'node:perf_hooks';
import { WaiterQueue } from './waiter-queue.js';

/**
 * Starts units of work in slices of event-loop turns, in the order they came. Node runs every
 * I/O callback that is ready in one turn before its timers get another look: when fifty requests
 * arrive together, handling them where they arrive makes one turn of fifty handlings, and every
 * timer due meanwhile (a poll, an edit, a lease) waits for all of them. Through the queue the
 * turn only reads them; they are then handled in later turns (`setImmediate`), each turn starting
 * units until `sliceMs` have gone by in it, counting the microtasks each unit leaves (an async
 * handler's continuations that need no I/O), so timers and I/O run between two slices.
 *
 * Why slices and not one unit per turn: every turn between two units also runs the I/O and
 * timers of work already under way, and the units wait for it. Fifty Slack commands while fifty
 * checks were running (`npm run bench -- slack 3`, the warm burst, median of 3 rounds) acked at
 * a p99 of 59 ms one per turn, 33 ms in 5 ms slices, and 44-56 ms handled where they arrived.
 * With `inlineMs`, the first units of a turn start where they are pushed and only the rest wait
 * for slices: for a surface whose small bursts answer faster handled at once (Discord's).
 *
 * Bounded: past `maxQueued` waiting units a new one starts at once instead, as it would without
 * the queue; nothing is refused or dropped.
 */
export interface TurnQueue {
  /** Starts `unit` in a later turn, after every unit queued before it. A unit catches its own errors: one it throws is uncaught (the units behind it still start). */
  push(unit: () => void): void;
  /** Units waiting to start. */
  readonly waiting: number;
}

export interface TurnQueueOptions {
  /** How long one turn may keep starting units (default 5 ms); 0: one unit per turn. */
  sliceMs?: number;
  /**
   * How long units may start where they are pushed, in the turn they arrive in, while none wait
   * (default 0: every unit waits for a later turn). A small burst is then handled at once, and
   * only what comes beyond it in the same turn waits for slices.
   */
  inlineMs?: number;
  /** Most units held at once (default 10,000); past it, units start without waiting. */
  maxQueued?: number;
  /** Milliseconds on a monotonic clock (default `performance.now`). */
  now?: () => number;
}

/** Most units one turn may start: the immediates queued for a turn. */
const MAX_PER_TURN = 64;

export function createTurnQueue(opts: TurnQueueOptions = {}): TurnQueue {
  const sliceMs = opts.sliceMs ?? 5;
  const inlineMs = opts.inlineMs ?? 0;
  const maxQueued = opts.maxQueued ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const queue = new WaiterQueue<{ live: true; start: () => void }>();
  /** Immediates queued for this turn and not yet run. */
  let steps = 0;
  /** When this turn's first unit started; NaN until it has. */
  let turnStart = Number.NaN;
  /** When the first unit started where it was pushed, in the turn under way; NaN until one has. */
  let inlineStart = Number.NaN;

  // One unit per immediate, not a loop in one: Node runs the microtasks a unit leaves (an async
  // handler's awaits) between two immediates, so the slice counts them; a loop would start units
  // for 5 ms and leave all their awaited work to run together after it.
  const step = () => {
    steps--;
    try {
      const t = now();
      if (Number.isNaN(turnStart)) turnStart = t;
      else if (t - turnStart >= sliceMs) return;
      queue.shift()?.start();
    } finally {
      // Queued from this turn's immediates, the next turn's run in the next turn.
      if (steps === 0) schedule();
    }
  };

  const schedule = () => {
    if (steps > 0 || queue.size === 0) return;
    turnStart = Number.NaN;
    steps = Math.min(queue.size, MAX_PER_TURN);
    for (let i = 0; i < steps; i++) setImmediate(step);
  };

  return {
    push(unit) {
      if (queue.size >= maxQueued) return unit();
      if (inlineMs > 0 && queue.size === 0) {
        const t = now();
        if (Number.isNaN(inlineStart)) {
          inlineStart = t;
          // The turn's end: the next turn's arrivals get their own inlineMs.
          setImmediate(() => (inlineStart = Number.NaN));
        }
        if (t - inlineStart < inlineMs) return unit();
      }
      queue.push({ live: true, start: unit });
      if (steps === 0) return schedule();
      // Units that came in the same turn as those the queued immediates are for run in their turn too.
      if (Number.isNaN(turnStart) && steps < MAX_PER_TURN) {
        steps++;
        setImmediate(step);
      }
    },
    get waiting() {
      return queue.size;
    },
  };
}
