/**
 * The request queue's tokens from the budget every replica shares (issue 16): the shell around
 * `core/request-budget` (pure) and the store's `RequestBudgetPort`. Slack's edit budget draws
 * through the same shell, with its own shape (chat/shared-edit-budget).
 *
 * - A draw asks for what the queue has waiting, at most `DRAW_BATCH` (5), and the queue hands
 *   the tokens out at once in its strict class order; nothing is held for later (a held token
 *   would widen the burst beyond what the shape accounts for).
 * - People before sweeps across replicas: a draw with no person waiting on this replica leaves
 *   the shape's reserve (half the capacity) in the bucket, so one replica's sweep cannot take
 *   the token another replica's person needs next. The queue restarts a sweeps-only draw when a
 *   person arrives.
 * - Nothing granted: the store says how long until a token is there; the draw sleeps that long
 *   (on the injected clock) and asks again. Replicas asking together: one wins, the others ask
 *   again after the next token's time.
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
import type { TokenSource } from './request-queue.js';

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
      await o.clock.sleep(d.waitMs, signal);
    }
  };

  return {
    shape,
    get mode() {
      return localUntil === null ? 'shared' : 'local';
    },
    stats,
    take: (want, people, signal) => takeLeaving(want, people ? 0 : shape.reserve, signal),
    takeLeaving,
  };
}
