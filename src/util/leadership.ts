/**
 * Leadership: work that must run on exactly one replica of a store runs on whoever holds a named
 * lease row; every other replica is a standby that keeps trying, forever. Two leases use it: `noc`
 * (the NOC watcher, outbox delivery, intake processing, retention) and `discord-gateway` (the one
 * Discord gateway session, adapters/discord), so the two can sit on different replicas.
 *
 * Why a lease row with a TTL rather than a PostgreSQL advisory lock: it works the same on the
 * embedded SQLite file and on PostgreSQL (one port, one contract suite), and it has an expiry the
 * holder can fence itself with. An advisory lock lives as long as its session, so a leader cut
 * off from the network keeps believing it leads until its TCP connection is noticed dead (minutes
 * with default keep-alives), while the server may already have granted the lock to a standby.
 *
 * The rules (pure, see `nextStep`):
 * - a standby claims every `renewMs`; refused (a live holder) or failing (I/O), it waits and
 *   claims again: never given up;
 * - a leader renews every `renewMs`. A failed renewal is retried every second, not read as a loss;
 *   refused means another replica took it over: the leader steps down at once;
 * - fencing: the lease a leader holds runs until (the time its last successful claim was sent) +
 *   `ttlMs`. It stops leader work `fenceMarginMs` before that, whether or not a renewal is still
 *   in flight, so it has stopped before any other replica can take the lease over.
 */
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { ReplicaId } from './replica.js';

/** The lease holder is the process's replica id (util/replica): one id per process for its leases and its checks. */
export { goneOnThisHost, thisProcess } from './replica.js';

type LeaseHolder = ReplicaId;

export interface LeaseSettings {
  /** How long a claimed lease holds (PINGOPS_LEASE_TTL_MS). */
  ttlMs: number;
  /** How often the holder renews it and a standby tries (PINGOPS_LEASE_RENEW_MS). */
  renewMs: number;
}

export const DEFAULT_LEASE: LeaseSettings = { ttlMs: 15_000, renewMs: 5_000 };

/** The store's side: named lease rows (store/ports.ts LeaseStore). */
export interface LeasePort<N extends string = string> {
  claim(name: N, holder: LeaseHolder, now: number, ttlMs: number, isStale: (h: LeaseHolder) => boolean): Promise<{ ok: true } | { ok: false; holder: LeaseHolder }>;
  release(name: N, holder: LeaseHolder): Promise<void>;
}

/** What the leader runs: started when the lease is won, stopped when it is lost or fenced. */
export interface LeaderWork {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type Role = 'leader' | 'standby';

export interface Leadership {
  /** Leader while the lease holds (fenced: false from `fenceMarginMs` before it runs out). */
  role(): Role;
  /**
   * The fence: true while the lease this process holds has not reached its margin before expiry.
   * Leader work checks it before each write or post (true through a graceful stop, so what is in
   * hand is still saved).
   */
  holds(): boolean;
  /** Who holds it when this process does not (as last seen), for logs and /readyz. */
  holder(): LeaseHolder | null;
  /** Resolves once this process became leader the first time (tests, the CLI). */
  led(): Promise<void>;
  /** Stops trying, stops the leader work, releases the lease. */
  stop(): Promise<void>;
}

/** The result of one claim, as the rules see it. */
export type ClaimOutcome = { kind: 'won'; sentAt: number } | { kind: 'refused'; holder: LeaseHolder } | { kind: 'failed' };

/** How long a failed renewal waits before the next try. */
export const RENEW_RETRY_MS = 1_000;

/** The margin kept before the lease's expiry: stop leading this much before another may claim. */
export function fenceMarginMs(s: LeaseSettings): number {
  return Math.max(500, Math.min(s.renewMs, Math.floor(s.ttlMs / 5)));
}

/**
 * What a replica does after a claim (pure): its new lease expiry (`heldUntil`, null when it holds
 * none) and when to claim next.
 */
export function nextStep(s: LeaseSettings, heldUntil: number | null, outcome: ClaimOutcome, now: number): { heldUntil: number | null; claimAt: number } {
  switch (outcome.kind) {
    case 'won':
      return { heldUntil: outcome.sentAt + s.ttlMs, claimAt: outcome.sentAt + s.renewMs };
    case 'refused':
      return { heldUntil: null, claimAt: now + s.renewMs };
    case 'failed':
      // A leader keeps its lease until the fence says otherwise; it retries soon. A standby waits its turn.
      return heldUntil !== null && now < heldUntil - fenceMarginMs(s) ? { heldUntil, claimAt: now + Math.min(RENEW_RETRY_MS, s.renewMs) } : { heldUntil: null, claimAt: now + s.renewMs };
  }
}

/** Whether a lease held until `heldUntil` still lets this process lead at `now` (the fence). */
export function leads(s: LeaseSettings, heldUntil: number | null, now: number): boolean {
  return heldUntil !== null && now < heldUntil - fenceMarginMs(s);
}

export function createLeadership<N extends string>(deps: {
  store: LeasePort<N>;
  /** Which lease (one leader per name and store). */
  lease: N;
  /** What the leader runs, for the log ("the NOC watcher, outbox, intake and retention"). */
  runs: string;
  holder: LeaseHolder;
  /** Whether a holder is gone (its process died on this host): its lease is taken without waiting for the TTL. */
  isStale: (h: LeaseHolder) => boolean;
  settings: LeaseSettings;
  work: LeaderWork;
  clock: Clock;
  logger: Logger;
  /** Told on every change of role (metrics, logs). */
  onRole?: (role: Role) => void;
}): Leadership {
  const { store, holder, settings, clock, work } = deps;
  const log = deps.logger.child({ component: 'leadership', lease: deps.lease, replica: holder.id });
  let heldUntil: number | null = null;
  let leading = false;
  let other: LeaseHolder | null = null;
  let stopped = false;
  const stopper = new AbortController();
  let firstLead: () => void = () => {};
  const ledOnce = new Promise<void>((resolve) => (firstLead = resolve));
  /** Start and stop of the leader work, one after the other. */
  let transitions: Promise<void> = Promise.resolve();

  const become = (lead: boolean, why: string) => {
    if (lead === leading) return;
    leading = lead;
    if (lead) log.info({ ttlMs: settings.ttlMs, renewMs: settings.renewMs }, `leader: this replica runs ${deps.runs}`);
    else log.warn({ why, holder: other ?? undefined }, 'standby: leader work stopped; claiming the lease again every renewal period');
    deps.onRole?.(lead ? 'leader' : 'standby');
    transitions = transitions.then(async () => {
      try {
        if (lead) {
          await work.start();
          firstLead();
        } else await work.stop();
      } catch (err) {
        log.error({ err }, lead ? 'leader work failed to start; stepping down' : 'leader work failed to stop cleanly');
        if (lead) {
          // Give the lease back so another replica (or this one, next round) starts afresh.
          heldUntil = null;
          leading = false;
          deps.onRole?.('standby');
          await work.stop().catch(() => {});
          await store.release(deps.lease, holder).catch(() => {});
        }
      }
    });
  };

  const claim = async (): Promise<ClaimOutcome> => {
    const sentAt = clock.now();
    try {
      const got = await store.claim(deps.lease, holder, sentAt, settings.ttlMs, deps.isStale);
      if (got.ok) return { kind: 'won', sentAt };
      return { kind: 'refused', holder: got.holder };
    } catch (err) {
      log.warn({ err, leading }, leading ? 'could not renew the lease; trying again (still leader until the fence)' : 'could not claim the lease; trying again');
      return { kind: 'failed' };
    }
  };

  /** Races a claim against the fence: a renewal that hangs past it steps down without waiting. */
  const claimFenced = async (): Promise<ClaimOutcome> => {
    const pending = claim();
    if (heldUntil === null) return pending;
    const fence = heldUntil - fenceMarginMs(settings);
    const timer = new AbortController();
    const fenced = clock
      .sleep(Math.max(0, fence - clock.now()), AbortSignal.any([timer.signal, stopper.signal]))
      .then(() => 'fenced' as const)
      .catch(() => 'aborted' as const);
    const first = await Promise.race([pending, fenced]);
    timer.abort();
    if (first === 'fenced') {
      become(false, 'the lease could not be renewed before its expiry (fenced)');
      heldUntil = null;
      // The claim may still land: its outcome decides what comes next.
      return pending;
    }
    if (first === 'aborted') return pending;
    return first;
  };

  const loop = async () => {
    while (!stopped) {
      const outcome = await claimFenced();
      if (stopped) break;
      const now = clock.now();
      if (outcome.kind === 'refused') {
        if (other?.id !== outcome.holder.id && !leading) log.info({ holder: outcome.holder }, 'standby: another replica holds the lease');
        other = outcome.holder;
      }
      const step = nextStep(settings, heldUntil, outcome, now);
      heldUntil = step.heldUntil;
      if (outcome.kind === 'won') other = null;
      const lead = leads(settings, heldUntil, now);
      become(lead, outcome.kind === 'refused' ? 'another replica holds the lease' : 'the lease ran out before it could be renewed');
      // Sleep until the next claim, but wake at the fence if that comes first.
      const wakeAt = heldUntil !== null ? Math.min(step.claimAt, heldUntil - fenceMarginMs(settings)) : step.claimAt;
      await clock.sleep(Math.max(1, wakeAt - clock.now()), stopper.signal).catch(() => {});
      if (!stopped && !leads(settings, heldUntil, clock.now()) && leading) {
        become(false, 'the lease could not be renewed before its expiry (fenced)');
        heldUntil = null;
      }
    }
  };

  const running = loop().catch((err: unknown) => log.error({ err }, 'leadership loop failed'));

  return {
    role: () => (leading && leads(settings, heldUntil, clock.now()) ? 'leader' : 'standby'),
    holds: () => leads(settings, heldUntil, clock.now()),
    holder: () => other,
    led: () => ledOnce,
    async stop() {
      stopped = true;
      stopper.abort();
      await running;
      const wasLeading = leading;
      become(false, 'stopping');
      await transitions;
      if (wasLeading) await store.release(deps.lease, holder).catch((err: unknown) => log.warn({ err }, 'could not release the lease; it runs out by itself'));
    },
  };
}

/** Leadership over work made afresh each time the lease is won (a watcher cannot be restarted). */
export interface Led<T> extends Leadership {
  /** The work running on this replica while it leads; null on a standby. */
  current(): T | null;
}

/**
 * Runs `start()` whenever this replica wins the lease and stops what it returned when it loses
 * (or fences) it. The objects outside (hooks, buttons, /noc) ask `current()` each time.
 */
export function runWhileLeading<T extends { stop(): Promise<void> }, N extends string = string>(deps: Omit<Parameters<typeof createLeadership<N>>[0], 'work'> & { start: () => Promise<T> }): Led<T> {
  let current: T | null = null;
  const leadership = createLeadership<N>({
    ...deps,
    work: {
      async start() {
        current = await deps.start();
      },
      async stop() {
        const was = current;
        current = null;
        await was?.stop();
      },
    },
  });
  return { ...leadership, current: () => current };
}
