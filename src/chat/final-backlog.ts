/**
 * The bound on conversations waiting for their final edits in memory.
 *
 * A final view waits for the surface's edit budget (Slack: 45 edits a minute per workspace, two
 * finals per check: the status and the root card). A burst that finishes faster than that kept
 * every waiting conversation in memory, about 11 KB each with its live messages and context,
 * and the queue had no bound: 1,000 checks at once wait about 44 minutes for their last edit.
 * Beyond `inMemory` conversations, a finished check's final edits wait in the store instead: its
 * row already holds the verdict and is not delivered, exactly as after a restart (which resumes
 * it). As places free up, the oldest verdicts are taken back from the store, so the edits still
 * go out in the order the verdicts came. The requester's notification never waits here.
 */
import type { StoredCheck } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';

/** Conversations whose final edits may be in flight in memory at once, per engine (about 1 MB). */
export const DEFAULT_FINALS_IN_MEMORY = 100;

/** How long a failed read of the waiting finals waits before the next one. */
const RETRY_MS = 5000;

export interface FinalBacklogOptions {
  inMemory: number;
  /** The oldest verdicts of this engine whose final edits wait in the store, at most `limit`. */
  load(limit: number): Promise<StoredCheck[]>;
  /** Brings one stored check's messages to its final view; its place is held until it settles. */
  deliver(row: StoredCheck): Promise<void>;
  clock: Clock;
  logger: Logger;
}

export interface FinalBacklog {
  /**
   * Asks for a place in memory for the final edits of check `id`: true when it has one (give it
   * back with `leave`), false when they must wait in the store. Once any wait there, later ones
   * do too, so nobody overtakes an older verdict.
   */
  enter(id: string): boolean;
  leave(id: string): void;
  /** A final waits in the store that this process did not leave there (a restart, an adoption): one call per check. */
  pickUp(): void;
  /** Conversations holding a place now. */
  readonly held: number;
  /** Checks whose final edits wait in the store now (left there, or found there, and not yet taken back). */
  readonly inStore: number;
  /** Takes nothing more back from the store (the process is stopping; the next start resumes them). */
  stop(): void;
}

export function createFinalBacklog(o: FinalBacklogOptions): FinalBacklog {
  if (!Number.isInteger(o.inMemory) || o.inMemory < 1) throw new RangeError(`inMemory must be an integer >= 1, got ${o.inMemory}`);
  const held = new Set<string>();
  /** Some finals may wait in the store. */
  let waiting = false;
  let draining = false;
  /** A place freed or a final was left while a read was under way: look again when it ends. */
  let again = false;
  let stopped = false;
  /** Checks whose delivery ended while a read was under way: the read may still call them waiting. */
  let endedDuringRead: Set<string> | undefined;
  const retry = new AbortController();
  /**
   * Finals left in (or found in) the store, and taken back from it, by this process. `stored`
   * also tells a read whether one was left after it began (it may not have seen that one).
   */
  let stored = 0;
  let takenBack = 0;
  /**
   * Places taken back together: a read lists the checks in flight too (they are not delivered
   * yet), so refilling one place at a time would read the whole window back for every final
   * (100 rows per check in a burst). A quarter at a time keeps the budget busy with the rest.
   */
  const refillAt = Math.max(1, Math.floor(o.inMemory / 4));

  const drain = async (): Promise<void> => {
    do {
      again = false;
      const free = o.inMemory - held.size;
      if (free <= 0 || stopped || (free < refillAt && held.size > 0)) return;
      const seen = stored;
      // Ours in flight are in the store too (not yet delivered): ask for enough to skip them.
      const ended = new Set<string>();
      endedDuringRead = ended;
      let loaded: StoredCheck[];
      try {
        loaded = await o.load(free + held.size);
      } finally {
        endedDuringRead = undefined;
      }
      const rows = loaded.filter((r) => !held.has(r.id) && !ended.has(r.id)).slice(0, free);
      if (stopped) return;
      if (rows.length < free && seen === stored) waiting = false;
      if (rows.length > 0) o.logger.info({ count: rows.length, held: held.size }, 'final edits taken back from the store');
      takenBack += rows.length;
      for (const row of rows) {
        held.add(row.id);
        void o
          .deliver(row)
          .catch((err: unknown) => o.logger.error({ err, check: row.id }, 'final edits from the store failed'))
          .finally(() => backlog.leave(row.id));
      }
    } while (again && waiting);
  };

  const wake = (): void => {
    if (!waiting || stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    drain()
      .catch(async (err: unknown) => {
        o.logger.warn({ err, retryInMs: RETRY_MS }, 'could not read the final edits waiting in the store; trying again');
        await o.clock.sleep(RETRY_MS, retry.signal).catch(() => undefined);
        again = true;
      })
      .finally(() => {
        draining = false;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  const backlog: FinalBacklog = {
    enter(id) {
      if (!waiting && held.size < o.inMemory) {
        held.add(id);
        return true;
      }
      if (!waiting) o.logger.info({ held: held.size }, 'final edits behind the edit budget: the next ones wait in the store');
      waiting = true;
      stored++;
      wake();
      return false;
    },
    leave(id) {
      if (!held.delete(id)) return;
      endedDuringRead?.add(id);
      wake();
    },
    pickUp() {
      waiting = true;
      stored++;
      wake();
    },
    get held() {
      return held.size;
    },
    get inStore() {
      return Math.max(0, stored - takenBack);
    },
    stop() {
      stopped = true;
      retry.abort(NO_LONGER_NEEDED);
    },
  };
  return backlog;
}
