/**
 * Whether the PostgreSQL server answers, and what this process holds back until it does.
 *
 * Lost mid-run, the store does not stop the bot: writes of checks (what people wait for) are
 * kept in order in memory, up to a bound, and written once the server answers again (the
 * store catches up); reads that only the server can answer fail with StoreUnavailableError and
 * the caller says so. The state is logged once per outage (`STORE UNREACHABLE` …
 * `STORE RECONNECTED`) and shown in /readyz and /metrics through `health()`.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { StoreUnavailableError } from '../errors.js';
import { classifyPgError, type PgPool, type PgQuery } from './connection.js';


/** One held-back write: replayed as is, so it must be idempotent (an upsert, a set). */
export interface HeldWrite {
  key: string;
  run(q: PgQuery): Promise<void>;
  /** Called once the write reached the server. */
  done?(): void;
}

export interface LinkHealth {
  reachable: boolean;
  /** Since when the server has not answered (ms), null when it does. */
  downSince: number | null;
  /** Writes kept in memory until the server answers. */
  heldWrites: number;
  /** Writes refused because the bound was reached (each one said in the log). */
  refusedWrites: number;
  /** The last outage this link came back from: when it ended and how long it lasted. */
  lastOutage: { at: number; downMs: number } | null;
}

export interface Link {
  /**
   * Runs a write now, or holds it (in order per key and overall) while the server is away.
   * Throws StoreUnavailableError only when `maxHeld` writes are held already.
   */
  write(w: HeldWrite): Promise<void>;
  /** Runs a read (or an unheld write); an unreachable server (or one known away) is StoreUnavailableError. */
  read<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  /** Runs a transaction; an unreachable server becomes StoreUnavailableError. */
  transaction<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  readonly reachable: boolean;
  /** True while `key` has writes queued, running or held back (the server's copy may be behind memory). */
  pending(key: string): boolean;
  health(): LinkHealth;
  /** Resolves once nothing is held (or the link is closed). */
  drained(): Promise<void>;
  /** Resolves once the writes already called have run or been held, or after `ms`. */
  settle(ms: number): Promise<void>;
  close(): void;
}

const isLoss = (err: unknown) => {
  const f = classifyPgError(err);
  return f === 'unreachable' || f === 'timeout';
};

export function createLink(pool: PgPool, clock: Clock, logger: Logger, opts: { maxHeld?: number; retryMs?: number; maxRetryMs?: number } = {}): Link {
  const log = logger.child({ component: 'store' });
  const maxHeld = opts.maxHeld ?? 50_000;
  const retryMs = opts.retryMs ?? 1000;
  const maxRetryMs = opts.maxRetryMs ?? 15_000;
  let downSince: number | null = null;
  let refused = 0;
  let lastOutage: LinkHealth['lastOutage'] = null;
  const held: HeldWrite[] = [];
  const heldKeys = new Map<string, number>();
  const chains = new Map<string, Promise<void>>();
  const closer = new AbortController();
  let recovering: Promise<void> | null = null;
  let drainWaiters: (() => void)[] = [];

  const hold = (w: HeldWrite) => {
    if (held.length >= maxHeld) {
      refused++;
      log.error({ held: held.length, key: w.key }, 'STORE WRITE REFUSED: the database has been unreachable too long and the writes kept in memory reached their bound');
      throw new StoreUnavailableError(`the database is unreachable and ${held.length} writes already wait for it`);
    }
    held.push(w);
    heldKeys.set(w.key, (heldKeys.get(w.key) ?? 0) + 1);
  };
  const release = (w: HeldWrite) => {
    const n = (heldKeys.get(w.key) ?? 1) - 1;
    if (n <= 0) heldKeys.delete(w.key);
    else heldKeys.set(w.key, n);
  };

  const goDown = (err: unknown) => {
    if (downSince === null) {
      downSince = clock.now();
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'STORE UNREACHABLE: the database (PINGOPS_DATABASE_URL) does not answer; running checks go on from memory and their writes are kept until it answers again');
    }
    recovering ??= recover().finally(() => {
      recovering = null;
    });
  };

  /** Tries the server with a growing pause, then replays held writes in order. */
  const recover = async () => {
    let pause = retryMs;
    while (!closer.signal.aborted) {
      try {
        await clock.sleep(pause, closer.signal);
      } catch {
        return;
      }
      try {
        await pool.query('SELECT 1');
        while (held.length > 0) {
          const w = held[0] as HeldWrite;
          await w.run(pool.queryInTurn);
          held.shift();
          release(w);
          w.done?.();
        }
        const downFor = downSince === null ? 0 : clock.now() - downSince;
        downSince = null;
        lastOutage = { at: clock.now(), downMs: downFor };
        log.warn({ downMs: downFor }, 'STORE RECONNECTED: the database answers again; writes kept in memory are written');
        for (const r of drainWaiters) r();
        drainWaiters = [];
        return;
      } catch (err) {
        if (!isLoss(err)) {
          // A held write the server refuses for another reason (a bug, bad data): said, then dropped so the rest can go.
          const w = held.shift();
          if (w) {
            release(w);
            log.error({ err, key: w.key }, 'STORE WRITE FAILED after reconnecting; that write is dropped');
          }
          continue;
        }
        pause = Math.min(maxRetryMs, pause * 2);
      }
    }
  };

  const runNow = async (w: HeldWrite) => {
    if (downSince !== null) return hold(w);
    try {
      await w.run(pool.queryInTurn);
      w.done?.();
    } catch (err) {
      if (!isLoss(err)) throw err;
      hold(w);
      goDown(err);
    }
  };

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    // While the server is away, fail at once: waiting out a connect deadline on every read
    // would hold up each new check (its "last check" line). The retry loop finds it back.
    if (downSince !== null) throw new StoreUnavailableError('the database (PINGOPS_DATABASE_URL) does not answer; trying again in the background');
    try {
      return await fn();
    } catch (err) {
      if (!isLoss(err)) throw err;
      goDown(err);
      throw new StoreUnavailableError(`the database (PINGOPS_DATABASE_URL) does not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return {
    write(w) {
      const prev = chains.get(w.key) ?? Promise.resolve();
      // Per key in order; the chain swallows so one failure does not wedge the next write.
      const p = prev.then(() => runNow(w));
      const tail = p.catch(() => {});
      chains.set(w.key, tail);
      void tail.then(() => {
        if (chains.get(w.key) === tail) chains.delete(w.key);
      });
      return p;
    },
    read(fn) {
      return guard(() => fn((sql, values) => pool.query(sql, values)));
    },
    transaction(fn) {
      return guard(() => pool.transaction(fn));
    },
    get reachable() {
      return downSince === null;
    },
    pending(key) {
      return heldKeys.has(key) || chains.has(key);
    },
    health() {
      return { reachable: downSince === null, downSince, heldWrites: held.length, refusedWrites: refused, lastOutage };
    },
    drained() {
      if (held.length === 0 && downSince === null) return Promise.resolve();
      return new Promise<void>((r) => drainWaiters.push(r));
    },
    async settle(ms) {
      const stop = new AbortController();
      await Promise.race([Promise.allSettled([...chains.values()]), clock.sleep(ms, stop.signal).catch(() => {})]);
      stop.abort();
    },
    close() {
      closer.abort();
      for (const r of drainWaiters) r();
      drainWaiters = [];
    },
  };
}
