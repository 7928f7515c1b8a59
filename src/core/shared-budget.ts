/**
 * The request queue's tokens from the budget every replica shares (issue 16): the shell around
 * `core/request-budget` (pure) and the store's `RequestBudgetPort`. Slack's edit budget draws
 * through the same shell, with its own shape (chat/shared-edit-budget).
 *
 * - A draw asks for what the queue has waiting in the tier of its best request (`nextDraw`), at
 *   most `DRAW_BATCH` (5), and the queue hands the tokens out at once in its strict class order;
 *   nothing is held for later (a held token would widen the burst beyond what the shape accounts
 *   for).
 * - The queue's order across replicas, by what a draw leaves in the bucket (`keepFor`): a draw
 *   for polls (debts: tasks already created) may take the last token; one for people's creations
 *   leaves one, so another replica's poll gets the next token instead of waiting behind this
 *   replica's burst of new checks (it did: in virtual time, all of it); one for sweeps' creations
 *   leaves the shape's reserve (half the capacity), so one replica's sweep cannot take the token
 *   another replica's person needs next. The queue restarts a draw when a request of a better
 *   tier arrives.
 * - Nothing granted: the store says how long until a token is there; the draw sleeps that long
 *   (on the injected clock), plus a random part of up to `jitterMaxMs` (25 ms, or one token's
 *   time where tokens come faster), and asks again. Without it, replicas waiting for the same
 *   token woke in the same order every time and the first one took every token while its queue
 *   lasted (another replica's people waited it out); with it, each token goes to one of the
 *   replicas waiting for it at random.
 * - The store cannot answer (PostgreSQL away, a pool too busy): a local bucket of a share of the
 *   refill, burst 1, logged once per outage at error level; the store is asked again every
 *   `retryStoreMs`, and the shared bucket is used again as soon as it answers. The share
 *   (`localShare`) comes from the replicas alive when the store last answered (their
 *   heartbeats): the whole refill for the only one, else a quarter or 1/N, whichever is less.
 *   Every replica cut off together: within the rate. One replica cut off while the others draw:
 *   at most a quarter more than the rate while it lasts.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createTokenBucket } from '../util/token-bucket.js';
import { budgetShape, type BudgetShape, type RequestBudgetPort } from './request-budget.js';
import type { DrawFor, TokenSource } from './request-queue.js';

/** The longest random part added to a wait for the next token (a few store round trips). */
export const JITTER_MAX_MS = 25;

/**
 * The random part's bound for a shape: `JITTER_MAX_MS`, but never more than one token's time. A
 * longer one only delays: at high rates the bucket fills within it and the refill past its
 * capacity is lost (at 60,000 a minute a bucket of 10 fills in 11 ms; with 25 ms, 1,000 checks
 * of 4 requests on one replica took 9.3 s instead of 4.8). Within one token's time at most one
 * more token refills, which a bucket short of tokens has room for, unless the draw leaves all
 * but one token (a bucket of 1 or 2, under 30 a minute): there it loses at most 25 ms of a
 * token's 2.3 s or more.
 */
export function jitterMaxMs(shape: BudgetShape): number {
  return Math.min(JITTER_MAX_MS, Math.floor(60_000 / shape.refillPerMin));
}

/**
 * Tokens a draw for `purpose` leaves in the bucket for better tiers on any replica. People leave
 * one for polls only where the reserve is larger still: in a bucket of 2 or 3 (20-39 a minute)
 * people before sweeps is kept, as before, and polls wait their turn with people.
 */
export function keepFor(purpose: DrawFor, shape: BudgetShape): number {
  switch (purpose) {
    case 'polls':
      return 0;
    case 'people':
      return Math.max(0, Math.min(1, shape.reserve - 1));
    case 'sweeps':
      return shape.reserve;
  }
}

export interface SharedBudgetOptions {
  port: RequestBudgetPort;
  /** The bucket's name in the store: one per upstream API (its provider identity). */
  name: string;
  /** PING_API_RATE_PER_MIN: the sum over every replica. */
  ratePerMin: number;
  clock: Clock;
  logger: Logger;
  /** Most of the refill one of several replicas spends on its own while the store does not answer (default 1/4). */
  fallbackShare?: number;
  /** Replicas alive as last seen in the store (heartbeats), this one included; null when not known. */
  liveReplicas?: () => number | null;
  /** How often the store is asked again while on the local share (default 5 s). */
  retryStoreMs?: number;
  /**
   * The bucket's shape, for a budget that is not the Ping API's (Slack's edits: chat/shared-edit-budget);
   * default `budgetShape(ratePerMin)`. Every replica must pass the same one.
   */
  shape?: BudgetShape;
  /** What the logs call the budget and its setting; default the Ping API's. */
  names?: { budget: string; setting: string };
  /** [0, 1): the random part of each wait (default Math.random). */
  random?: () => number;
}

export interface SharedBudget extends TokenSource {
  readonly shape: BudgetShape;
  /** `shared` while the store answers, `local` on the fallback share. */
  readonly mode: 'shared' | 'local';
  /** Tokens this replica took from the shared bucket, and store round trips it spent on them (for /metrics and the bench). */
  readonly stats: { tokens: number; draws: number; localTokens: number };
  /** As `take`, leaving `keep` tokens in the shared bucket for others (a spare draw: chat/shared-edit-budget). */
  takeLeaving(want: number, keep: number, signal: AbortSignal): Promise<number>;
}

/**
 * The share of the refill a replica spends alone while the store does not answer: all of it when
 * it is the only replica alive; otherwise `most` or 1/N, whichever is less, so that N replicas
 * cut off together stay within the rate, and one cut off beside live ones adds at most `most`.
 * Unknown (no heartbeat read yet): `most`.
 */
export function localShare(liveReplicas: number | null, most = 0.25): number {
  if (liveReplicas === null || !Number.isFinite(liveReplicas) || liveReplicas < 1) return most;
  if (liveReplicas === 1) return 1;
  return Math.min(most, 1 / Math.floor(liveReplicas));
}

export function createSharedBudget(o: SharedBudgetOptions): SharedBudget {
  const shape = o.shape ?? budgetShape(o.ratePerMin);
  const names = o.names ?? { budget: 'request budget', setting: 'PING_API_RATE_PER_MIN' };
  const log = o.logger.child({ component: names.budget.replaceAll(' ', '-') });
  const perMinuteFor = (replicas: number | null) => Math.max(1, Math.floor(shape.refillPerMin * localShare(replicas, o.fallbackShare)));
  // Made again at the start of each outage, from the replicas alive then.
  let local = createTokenBucket({ perMinute: perMinuteFor(null), burst: 1, clock: o.clock });
  const retryMs = o.retryStoreMs ?? 5000;
  /** While set: on the local share until this time, then the store is asked again. */
  let localUntil: number | null = null;
  const stats = { tokens: 0, draws: 0, localTokens: 0 };
  const random = o.random ?? Math.random;
  const jitterMs = jitterMaxMs(shape);

  const takeLocal = async (signal: AbortSignal): Promise<number> => {
    // At most until the store is asked again, so a person does not wait out a local minute.
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const until = (localUntil ?? o.clock.now()) - o.clock.now();
    const timer = new AbortController();
    void o.clock.sleep(Math.max(1, until), timer.signal).then(
      () => stop.abort('retry-store'),
      () => {},
    );
    try {
      await local.take('high', stop.signal);
      stats.localTokens++;
      return 1;
    } catch (err) {
      if (signal.aborted) throw err;
      return 0;
    } finally {
      timer.abort();
      signal.removeEventListener('abort', onAbort);
    }
  };

  const takeLeaving = async (want: number, keep: number, signal: AbortSignal): Promise<number> => {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (localUntil !== null && o.clock.now() < localUntil) {
        const n = await takeLocal(signal);
        if (n > 0) return n;
        continue;
      }
      let d: { granted: number; waitMs: number };
      try {
        stats.draws++;
        d = await o.port.draw(o.name, shape, { want, keep, now: o.clock.now() });
      } catch (err) {
        if (localUntil === null) {
          const replicas = o.liveReplicas?.() ?? null;
          const perMinute = perMinuteFor(replicas);
          local = createTokenBucket({ perMinute, burst: 1, clock: o.clock });
          log.error(
            { err: err instanceof Error ? err.message : String(err), perMinute, ratePerMin: o.ratePerMin, replicas },
            `${names.budget.toUpperCase()} LOCAL: the store does not answer; this replica spends at most its local share of ${names.setting} until it does`,
          );
        }
        localUntil = o.clock.now() + retryMs;
        continue;
      }
      if (localUntil !== null) {
        log.warn({ ratePerMin: o.ratePerMin }, `${names.budget} shared again: the store answers`);
        localUntil = null;
      }
      if (d.granted > 0) {
        // Tokens drawn are spent even if the queue stopped waiting meanwhile (the queue drops the extra).
        stats.tokens += d.granted;
        return d.granted;
      }
      await o.clock.sleep(d.waitMs + Math.floor(random() * jitterMs), signal);
    }
  };

  return {
    shape,
    get mode() {
      return localUntil === null ? 'shared' : 'local';
    },
    stats,
    take: (want, purpose, signal) => takeLeaving(want, keepFor(purpose, shape), signal),
    takeLeaving,
  };
}
