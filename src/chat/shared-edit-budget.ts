/**
 * An edit budget every replica shares. Slack's chat.update limit belongs to the workspace (per
 * app), not to a process: N replicas behind a load balancer, each with its own bucket of
 * SLACK_EDITS_PER_MIN, sent N times the limit, and every edit beyond it came back 429 and waited
 * out its Retry-After, so cards and status messages reached their verdicts late.
 *
 * The credit lives in the store, in the same bucket rows as the Ping API's budget
 * (core/shared-budget over `RequestBudgetPort`: one row per name, drawn under the store's lock; a
 * local share of the rate while the store does not answer). This process keeps the order its
 * live messages are served in, as util/token-bucket does within one process:
 * - finals (`take`) first come first served, 'high' before 'low', at most `DRAW_BATCH` a draw;
 * - progress views (`takeSpare`) only while no final waits here, one at a time, each by a draw
 *   that leaves `reserve - 1` tokens in the shared bucket, so a final on any replica finds them;
 * - one draw at a time; a final that arrives while a progress view waits for its spare token
 *   ends that wait and is drawn for at once;
 * - a token drawn and not used (a refund, a taker gone meanwhile) is kept for the next taker
 *   here, at most one: the row may be full beside it, so each replica can go at most one edit
 *   beyond the burst (the in-process bucket's refund never went beyond it; the store's row
 *   takes nothing back).
 */
import { DRAW_BATCH } from '../core/request-queue.js';
import type { RequestBudgetPort, BudgetShape } from '../core/request-budget.js';
import { createSharedBudget, type SharedBudget } from '../core/shared-budget.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { defaultBurst, type Priority } from '../util/token-bucket.js';
import { WaiterQueue } from '../util/waiter-queue.js';
import type { EditBudget } from './live-message.types.js';

/** Options of `createSharedEditBudget`. */
export interface SharedEditBudgetOptions {
  port: RequestBudgetPort;
  /** The bucket's row: one per platform workspace and app (e.g. `slack-edits:<digest of the bot token>`). */
  name: string;
  /** Edits a minute for the whole deployment. */
  perMinute: number;
  /** The setting `perMinute` comes from, for the logs (`SLACK_EDITS_PER_MIN`). */
  setting: string;
  clock: Clock;
  logger: Logger;
  /** Replicas alive as last seen in the store: this replica's share while the store does not answer. */
  liveReplicas?: () => number | null;
  /** [0, 1): the random part of each wait for the next token (core/shared-budget; default Math.random). */
  random?: () => number;
}

/**
 * The shared bucket's shape: that of the in-process bucket it replaces (the rate, and a burst of
 * at most 10), so one replica edits as fast as before. No transit margin as the Ping API's has
 * (core/request-budget): a chat platform answers an edit over its limit with a 429 and a
 * Retry-After, which the live message waits out, rather than counting it against the ISP.
 */
export function editBudgetShape(perMinute: number): BudgetShape {
  const rate = Math.max(1, Math.floor(perMinute));
  return { capacity: defaultBurst(rate), refillPerMin: rate, reserve: 0 };
}

export function createSharedEditBudget(o: SharedEditBudgetOptions): EditBudget {
  const source = createSharedBudget({
    port: o.port,
    name: o.name,
    ratePerMin: o.perMinute,
    shape: editBudgetShape(o.perMinute),
    names: { budget: 'edit budget', setting: o.setting },
    clock: o.clock,
    logger: o.logger,
    ...(o.liveReplicas ? { liveReplicas: o.liveReplicas } : {}),
    ...(o.random ? { random: o.random } : {}),
  });
  return editBudgetOver(source);
}

/** Tokens kept here for the next taker (see the file comment). */
const HELD_MAX = 1;

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  /** For a spare taker: tokens that must be free in the shared bucket, its own included. */
  reserve: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  live: boolean;
}

/** The ordering described above, on a source of shared tokens. */
function editBudgetOver(source: Pick<SharedBudget, 'shape' | 'takeLeaving'>): EditBudget {
  const capacity = source.shape.capacity;
  const high = new WaiterQueue<Waiter>();
  const low = new WaiterQueue<Waiter>();
  const spare = new WaiterQueue<Waiter>();
  /** Tokens drawn from the store and not yet handed out (at most `HELD_MAX`). */
  let held = 0;
  /**
   * The draw under way, set for as long as the loop runs (it awaits only draws): aborted when a
   * final arrives behind a spare draw, or when nobody waits any more.
   */
  let current: { ctrl: AbortController; forSpare: boolean } | undefined;

  const finals = () => high.size + low.size;
  const waiting = () => finals() + spare.size;

  /** Takes `w` out of waiting (its abort listener too); the caller settles it. */
  function release(w: Waiter): Waiter {
    w.live = false;
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }

  /** Hands held tokens to the queue heads: finals first, spare takers only once no final waits. */
  function serveHeld(): void {
    while (held > 0) {
      const w = high.shift() ?? low.shift() ?? spare.shift();
      if (!w) return;
      held--;
      release(w).resolve();
    }
  }

  async function drawLoop(): Promise<void> {
    try {
      for (;;) {
        serveHeld();
        const n = finals();
        const head = n > 0 ? undefined : spare.peek();
        if (n === 0 && !head) return;
        const ctrl = new AbortController();
        current = { ctrl, forSpare: n === 0 };
        let got = 0;
        try {
          got = head ? await source.takeLeaving(1, head.reserve - 1, ctrl.signal) : await source.takeLeaving(Math.min(DRAW_BATCH, n), 0, ctrl.signal);
        } catch (err) {
          if (!ctrl.signal.aborted) throw err;
        }
        current = undefined;
        held += got;
        serveHeld();
        // What is left over (a taker gone during the draw) is kept only up to the bound.
        held = Math.min(HELD_MAX, held);
      }
    } catch (err) {
      // Only a broken clock or store shell gets here: nobody is left waiting on a loop that stopped.
      current = undefined;
      for (const q of [high, low, spare]) {
        for (let w = q.shift(); w; w = q.shift()) release(w).reject(err);
      }
    }
  }

  function pump(): void {
    if (!current) {
      void drawLoop();
      return;
    }
    if (current.forSpare && finals() > 0) current.ctrl.abort(NO_LONGER_NEEDED);
  }

  function enqueue(queue: WaiterQueue<Waiter>, reserve: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, reserve, signal, onAbort: undefined, live: true };
      if (signal) {
        w.onAbort = () => {
          if (!w.live) return;
          w.live = false;
          queue.forget();
          if (waiting() === 0) current?.ctrl.abort(NO_LONGER_NEEDED);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      queue.push(w);
      pump();
    });
  }

  return {
    capacity,
    take(priority: Priority, signal?: AbortSignal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const ahead = priority === 'high' ? high.size : finals();
      if (ahead === 0 && held > 0) {
        held--;
        return Promise.resolve();
      }
      return enqueue(priority === 'high' ? high : low, 1, signal);
    },
    takeSpare(reserve, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (waiting() === 0 && held > 0) {
        held--;
        return Promise.resolve();
      }
      return enqueue(spare, Math.min(capacity, Math.max(1, reserve)), signal);
    },
    refund() {
      held = Math.min(HELD_MAX, held + 1);
      serveHeld();
    },
  };
}
