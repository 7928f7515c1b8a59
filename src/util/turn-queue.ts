import { performance } from 'node:perf_hooks';

/**
 * Starts units of work in slices of event-loop turns, in the order they came. Node runs every
 * I/O callback that is ready in one turn before its timers get another look: when fifty requests
 * arrive together, handling them where they arrive makes one turn of fifty handlings, and every
 * timer due meanwhile (a poll, an edit, a lease) waits for all of them. Through the queue the
 * turn only reads them; they are then handled in later turns (`setImmediate`), each turn starting
 * units until `sliceMs` have gone by in it, so timers and I/O run between two slices.
 *
 * Why slices and not one unit per turn: every turn between two units also runs the I/O and
 * timers of work already under way, and the units wait for it. Fifty Slack commands while fifty
 * checks were running (`npm run bench -- slack 3`, the warm burst) acked at a p99 of 59 ms one
 * per turn, 44 ms handled where they arrived and 26 ms in 5 ms slices.
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
  /** Most units held at once (default 10,000); past it, units start without waiting. */
  maxQueued?: number;
  /** Milliseconds on a monotonic clock (default `performance.now`). */
  now?: () => number;
}

export function createTurnQueue(opts: TurnQueueOptions = {}): TurnQueue {
  const sliceMs = opts.sliceMs ?? 5;
  const maxQueued = opts.maxQueued ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const queue: (() => void)[] = [];
  let head = 0;
  let scheduled = false;

  const waiting = () => queue.length - head;

  const turn = () => {
    scheduled = false;
    const started = now();
    try {
      do {
        const unit = queue[head];
        if (!unit) break;
        queue[head] = undefined as unknown as () => void;
        head++;
        unit();
      } while (waiting() > 0 && now() - started < sliceMs);
    } finally {
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      schedule();
    }
  };

  const schedule = () => {
    if (scheduled || waiting() === 0) return;
    scheduled = true;
    setImmediate(turn);
  };

  return {
    push(unit) {
      if (waiting() >= maxQueued) return unit();
      queue.push(unit);
      schedule();
    },
    get waiting() {
      return waiting();
    },
  };
}
