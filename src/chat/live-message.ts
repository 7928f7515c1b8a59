import { hash } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import { lazyChild, type Logger } from '../util/logger.js';
import { RateLimitedError, type EditBudget, type Editor, type LiveMessage } from './live-message.types.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';

/** Options of `createLiveMessage`. */
export interface LiveMessageOptions<T = unknown> {
  /** Edit budget shared by every live message of one workspace / route. */
  budget: EditBudget;
  clock: Clock;
  logger: Logger;
  /** Least time between two edit attempts of this message; default 1000. */
  minIntervalMs?: number;
  /** Non-429 failures of the final view tolerated before `finish` rejects; default 8. */
  maxFinalAttempts?: number;
  /** Names this message in logs (e.g. `slack:C123/1712345.0001`). */
  name?: string;
  /**
   * The view the message was posted with, when this process posted it: an update equal to it is
   * not sent (Discord's first "creating the task" view went out twice, 6 ms apart, otherwise).
   */
  shown?: T;
}

/** Longest Retry-After honoured as given; a larger (or nonsense) value is capped so a message cannot freeze for hours. */
const MAX_RETRY_AFTER_MS = 15 * 60_000;
/** Tokens that must be free before a progress view may spend one (finals keep the rest). */
export function progressReserve(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / 2));
}

/** Ceiling of the backoff between failed attempts of a final view. */
const MAX_FINAL_BACKOFF_MS = 30_000;

/**
 * A key for structural equality of views; `undefined` when the view cannot be serialised,
 * in which case it never counts as equal to anything (we would rather edit twice than never).
 *
 * The SHA-256 of the view's JSON, not the JSON: each live message keeps the key of what it
 * shows until its verdict, and a card's JSON, built by V8 as a tree of parts and two bytes a
 * character once it holds a "…", held about 1.3 MB at 1,000 checks in flight (a heap snapshot
 * of `npm run bench -- discord-chat`); a digest is 44 characters. Views carry text from outside
 * (names, addresses), so the digest is one nobody can make collide to hold back an edit.
 */
export function viewKey(view: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(view);
  } catch {
    return undefined;
  }
  return json === undefined ? 'undefined' : hash('sha256', json, 'base64');
}

/** Delay before attempt `failures + 1` of a final view after `failures` non-429 errors: doubling, capped. */
export function finalRetryDelayMs(failures: number, baseMs: number): number {
  const exp = Math.max(0, failures - 1);
  return Math.min(MAX_FINAL_BACKOFF_MS, baseMs * 2 ** Math.min(exp, 20));
}

/** How long to honour a platform's Retry-After: as given, within [0, 15 min]; unusable values fall back to `fallbackMs`. */
export function retryAfterDelayMs(retryAfterMs: number, fallbackMs: number): number {
  if (!Number.isFinite(retryAfterMs)) return fallbackMs;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, retryAfterMs));
}

interface Slot<T> {
  view: T;
  key: string | undefined;
}

interface FinalSlot<T> extends Slot<T> {
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function sameKey(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && a === b;
}

class CoalescingLiveMessage<T> implements LiveMessage<T> {
  private readonly clock: Clock;
  private readonly budget: EditBudget;
  private readonly childLog: () => Logger;
  private get log(): Logger {
    return this.childLog();
  }
  private readonly minIntervalMs: number;
  private readonly maxFinalAttempts: number;

  /** Newest intermediate view not yet sent, not yet drawn; replaced, never queued. */
  private pending: (() => T) | undefined;
  private final: FinalSlot<T> | undefined;
  /** Key of the view the platform shows now, as far as we know. */
  private deliveredKey: string | undefined;
  private lastAttemptAt: number | undefined;
  private finalFailures = 0;
  /** True while the delivery loop runs; cleared by the loop itself in the same tick it finds nothing to do. */
  private running = false;
  /** Ends a progress view's wait for a spare token when a final view or `abandon` comes. */
  private spareWait: AbortController | undefined;
  private delivered = 0;
  private abandoned = false;

  constructor(
    private readonly editor: Editor<T>,
    opts: LiveMessageOptions<T>,
  ) {
    const minIntervalMs = opts.minIntervalMs ?? 1000;
    const maxFinalAttempts = opts.maxFinalAttempts ?? 8;
    if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
      throw new RangeError(`minIntervalMs must be >= 0, got ${minIntervalMs}`);
    }
    if (!Number.isInteger(maxFinalAttempts) || maxFinalAttempts < 1) {
      throw new RangeError(`maxFinalAttempts must be an integer >= 1, got ${maxFinalAttempts}`);
    }
    this.clock = opts.clock;
    this.budget = opts.budget;
    this.minIntervalMs = minIntervalMs;
    this.maxFinalAttempts = maxFinalAttempts;
    this.childLog = lazyChild(opts.logger, { liveMessage: opts.name ?? 'live-message' });
    if ('shown' in opts) this.deliveredKey = viewKey(opts.shown);
  }

  get edits(): number {
    return this.delivered;
  }

  update(view: T): void {
    this.offer(() => view);
  }

  offer(draw: () => T): void {
    if (this.abandoned) return;
    if (this.final) {
      this.log.debug('update after finish ignored');
      return;
    }
    this.pending = draw;
    this.kick();
  }

  finish(view: T): Promise<void> {
    if (this.abandoned) return Promise.reject(new Error('finish after abandon: this message sends nothing more'));
    if (this.final) {
      this.log.debug('second finish ignored; the first final view stands');
      return this.final.done;
    }
    let resolve: () => void = () => {};
    let reject: (err: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.final = { view, key: viewKey(view), done, resolve, reject };
    this.pending = undefined;
    this.spareWait?.abort(NO_LONGER_NEEDED);
    this.kick();
    return done;
  }

  abandon(): void {
    this.abandoned = true;
    this.pending = undefined;
    this.spareWait?.abort(NO_LONGER_NEEDED);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  /** The one delivery loop of this message; never throws, exits when there is nothing left to send. */
  private async run(): Promise<void> {
    try {
      for (;;) {
        const final = this.final;
        if (this.abandoned || (!final && !this.pending)) {
          this.running = false;
          return;
        }
        if (final && sameKey(final.key, this.deliveredKey)) {
          this.log.debug('final view already shown; no edit needed');
          this.running = false;
          final.resolve();
          return;
        }

        const waitMs = this.lastAttemptAt === undefined ? 0 : this.lastAttemptAt + this.minIntervalMs - this.clock.now();
        if (waitMs > 0) {
          await this.clock.sleep(waitMs);
          // Views may have changed (or become identical to what is shown) meanwhile: decide again.
          continue;
        }

        if (final) {
          await this.budget.take('high');
          if (await this.send(final, true)) {
            this.running = false;
            return;
          }
          continue;
        }

        // A progress view is drawn only once it holds a spare token: the ones replaced while the
        // budget is short are never rendered.
        if (!(await this.takeSpareToken())) continue;
        const slot = this.drawPending();
        if (!slot || sameKey(slot.key, this.deliveredKey)) {
          this.budget.refund();
          continue;
        }
        await this.send(slot, false);
      }
    } catch (err) {
      // Only a broken Clock or budget gets here; fail the final rather than leaving it hanging.
      this.running = false;
      this.log.error({ err }, 'live message delivery loop failed');
      this.final?.reject(err);
    }
  }

  /** Takes the pending view and draws it; undefined when there is none or its drawing failed. */
  private drawPending(): Slot<T> | undefined {
    const draw = this.pending;
    this.pending = undefined;
    if (!draw) return undefined;
    try {
      const view = draw();
      return { view, key: viewKey(view) };
    } catch (err) {
      this.log.warn({ err }, 'view could not be drawn; skipped');
      return undefined;
    }
  }

  /**
   * A final view queues ('high', first come first served among finals of every message sharing
   * the budget). A progress view waits for a spare token (`takeSpare`): one taken only when no
   * final waits and at least half the bucket is free, and it is coalesced with newer views
   * meanwhile. So whenever finals arrive they find at least half the burst in hand: progress
   * edits delay a final by at most ⌊capacity/2⌋ + 1 token periods (Slack defaults, 45/min with a
   * burst of 10: 6 × 1.3 s = 8 s).
   *
   * The bucket wakes the message whose progress has waited longest when a spare token comes,
   * and no other. Before, each waiting message looked again every second: with 1,000 checks
   * through Discord at 5 edits a second, about 18,000 wake-ups a run that nearly all found
   * nothing, each with its timer (`npm run bench -- discord-chat --alloc-prof`), and the token
   * went to whichever happened to look first.
   *
   * Resolves true with a token taken; false when `finish` or `abandon` ended the wait.
   */
  private async takeSpareToken(): Promise<boolean> {
    // One controller for all of a message's waits; never one already aborted, which would
    // reject at once and make the loop spin.
    const ctrl = this.spareWait && !this.spareWait.signal.aborted ? this.spareWait : (this.spareWait = new AbortController());
    try {
      await this.budget.takeSpare(progressReserve(this.budget.capacity), ctrl.signal);
      return true;
    } catch (err) {
      if (ctrl.signal.aborted) return false;
      throw err;
    }
  }

  /** Performs one edit attempt; true when the loop is over (final delivered or given up). */
  private async send(slot: Slot<T>, isFinal: boolean): Promise<boolean> {
    this.lastAttemptAt = this.clock.now();
    try {
      await this.editor(slot.view);
    } catch (err) {
      return this.failed(slot, isFinal, err);
    }
    this.delivered++;
    this.deliveredKey = slot.key;
    if (!isFinal) {
      this.log.debug({ edits: this.delivered }, 'intermediate view delivered');
      return false;
    }
    this.log.debug({ edits: this.delivered, failures: this.finalFailures }, 'final view delivered');
    this.final?.resolve();
    return true;
  }

  private async failed(slot: Slot<T>, isFinal: boolean, err: unknown): Promise<boolean> {
    if (err instanceof RateLimitedError) {
      const waitMs = retryAfterDelayMs(err.retryAfterMs, this.minIntervalMs);
      this.log.warn({ retryAfterMs: waitMs, final: isFinal }, 'edit rate limited; waiting Retry-After');
      // The platform still shows the older view: unless something newer came, send this one again.
      if (!isFinal && !this.final) this.pending ??= () => slot.view;
      await this.clock.sleep(waitMs);
      return false;
    }
    if (!isFinal) {
      this.log.warn({ err }, 'intermediate edit failed; skipped');
      return false;
    }
    this.finalFailures++;
    if (this.finalFailures >= this.maxFinalAttempts) {
      this.log.warn({ err, attempts: this.finalFailures }, 'final edit failed; giving up');
      this.final?.reject(err);
      return true;
    }
    const waitMs = finalRetryDelayMs(this.finalFailures, Math.max(this.minIntervalMs, 500));
    this.log.warn({ err, attempts: this.finalFailures, retryInMs: waitMs }, 'final edit failed; retrying');
    await this.clock.sleep(waitMs);
    return false;
  }
}

/**
 * Wraps one platform message so a stream of views becomes few, budgeted edits: only the newest
 * view is kept, edits are spaced by `minIntervalMs` and paid from the shared `budget`, and the
 * final view is always delivered (429s are waited out; other errors retried up to `maxFinalAttempts`).
 */
export function createLiveMessage<T>(editor: Editor<T>, opts: LiveMessageOptions<T>): LiveMessage<T> {
  return new CoalescingLiveMessage(editor, opts);
}
