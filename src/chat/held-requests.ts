/**
 * Requests in hand. A surface acknowledges a request at once (Slack's 3 s) and takes it up a
 * little later (chat/ack-first holds it through a burst; then the look-up), so for a moment
 * the person was answered "received" and nothing in the store says so. A replica that dies in
 * that moment (kill -9, out of memory, the machine gone) would leave them with silence.
 *
 * So a surface holds each request in the store as it acknowledges it (one write, committed
 * with the turn's others) and releases it once taken up: its check row is written (the engine
 * says so through the ticket) or the request ended without one (answered, refused). Another
 * replica, or this one's next start, replays what a gone replica held (chat/owners decides who
 * is gone; the adoption is a compare-and-set), in the order the requests came. The request's
 * key becomes its check's id, so a replayed request whose check had started after all runs no
 * second one. Requests older than `maxAgeMs` are not replayed: the person has moved on.
 */
import { randomBytes } from 'node:crypto';
import type { CheckStore, HeldRequest, HeldRequestStore } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { ownerGone, type Ownership } from './owners.js';

/** A held request as the surface and the engine see it. */
export interface HeldTicket {
  /** The id its check takes. */
  readonly key: string;
  /** Run again after its holder was gone: its check may already exist. */
  readonly replayed: boolean;
  /**
   * The store no longer needs to hold it: the engine calls it once the check row is written, the
   * surface once the request's handling ends, whatever the way; the first call counts.
   */
  release(): void;
  /**
   * Leaves it in the store for whoever comes next (this process's next start, another replica):
   * this process is stopping and will not run it. `release()` does nothing afterwards.
   */
  handOver(): void;
}

export interface HeldRequests<B> {
  /** Holds `body` in the store for this replica (the write is queued, not awaited). */
  hold(body: B): HeldTicket;
  /**
   * Replays the requests that gone replicas held, now and every `owners.everyMs`, oldest first;
   * `parse` turns a stored body back into the surface's own (null: unreadable, dropped).
   */
  start(parse: (body: unknown) => B | null, replay: (body: B, ticket: HeldTicket) => void): void;
  stop(): void;
}

/**
 * What became of requests in hand, for /metrics: held as acknowledged, handed over by a replica
 * that was stopping, replayed after their holder was gone, dropped (too old, or unreadable: the
 * person heard nothing more).
 */
export const HELD_REQUEST_OUTCOMES = ['held', 'handed_over', 'replayed', 'dropped'] as const;
export type HeldRequestOutcome = (typeof HELD_REQUEST_OUTCOMES)[number];

/** Requests held longer than this are dropped instead of replayed (default). */
export const HELD_REQUEST_MAX_AGE_MS = 10 * 60_000;

/** Most requests one adoption pass takes; the next pass, one period later, takes the rest. */
const PASS_LIMIT = 500;

/** What to do with a request another replica holds (pure). */
export function heldRequestFate(r: Pick<HeldRequest, 'owner' | 'receivedAt'>, o: Pick<Ownership, 'me' | 'staleAfterMs' | 'goneOnThisHost'>, replicas: Parameters<typeof ownerGone>[2], now: number, maxAgeMs: number): 'replay' | 'drop' | 'leave' {
  if (!ownerGone(r.owner, o, replicas, now)) return 'leave';
  return now - r.receivedAt > maxAgeMs ? 'drop' : 'replay';
}

export function createHeldRequests<B>(deps: {
  surface: string;
  store: HeldRequestStore;
  /** Where the replicas' heartbeats are read. */
  checks: Pick<CheckStore, 'replicas'>;
  owners: Ownership;
  clock: Clock;
  logger: Logger;
  maxAgeMs?: number;
  /** Told each outcome as it happens (the /metrics counter). */
  counted?: (outcome: HeldRequestOutcome) => void;
}): HeldRequests<B> {
  const { store, owners, clock } = deps;
  const log = deps.logger.child({ surface: deps.surface, component: 'held-requests' });
  const maxAgeMs = deps.maxAgeMs ?? HELD_REQUEST_MAX_AGE_MS;
  const stopper = new AbortController();
  const counted = deps.counted ?? (() => undefined);

  const ticket = (key: string, replayed: boolean): HeldTicket => {
    let released = false;
    return {
      key,
      replayed,
      release() {
        if (released) return;
        released = true;
        store.release(key).catch((err: unknown) => log.warn({ err, key }, 'held request not released; a later replay finds its check or answers it again'));
      },
      handOver() {
        if (released) return;
        released = true;
        counted('handed_over');
      },
    };
  };

  const pass = async (parse: (body: unknown) => B | null, replay: (body: B, t: HeldTicket) => void) => {
    const rows = await store.heldByOthers(deps.surface, owners.me.id, PASS_LIMIT);
    if (rows.length === 0) return;
    const now = clock.now();
    const replicas = await deps.checks.replicas(now);
    let taken = 0;
    for (const row of rows) {
      const fate = heldRequestFate(row, owners, replicas, now, maxAgeMs);
      if (fate === 'leave') continue;
      if (!(await store.adopt(row.key, row.owner, owners.me.id))) continue;
      taken++;
      const body = fate === 'replay' ? parse(row.body) : null;
      if (!body) {
        log.warn({ key: row.key, from: row.owner, ageMs: now - row.receivedAt, reason: fate === 'drop' ? 'too old' : 'unreadable' }, 'held request of a gone replica dropped');
        counted('dropped');
        ticket(row.key, true).release();
        continue;
      }
      log.info({ key: row.key, from: row.owner, ageMs: now - row.receivedAt }, 'held request of a gone replica replayed');
      counted('replayed');
      replay(body, ticket(row.key, true));
    }
    log.debug({ heldByOthers: rows.length, taken }, 'held requests pass');
  };

  return {
    hold(body) {
      const key = randomBytes(8).toString('hex');
      store.hold({ key, surface: deps.surface, owner: owners.me.id, body, receivedAt: clock.now() }).catch((err: unknown) => log.warn({ err, key }, 'request not held in the store; it is handled all the same'));
      counted('held');
      return ticket(key, false);
    },
    start(parse, replay) {
      void (async () => {
        for (;;) {
          try {
            await pass(parse, replay);
          } catch (err) {
            log.warn({ err }, 'could not read the requests gone replicas held; trying again');
          }
          try {
            await clock.sleep(owners.everyMs, stopper.signal);
          } catch {
            return;
          }
        }
      })();
    },
    stop() {
      stopper.abort();
    },
  };
}
