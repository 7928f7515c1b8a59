/**
 * Checks have owners. Each check row names the replica following it; each replica writes one
 * heartbeat row every few seconds (one write per replica, not per check). A replica adopts an
 * unfinished check only when its owner is gone: its heartbeat is older than `staleAfterMs`, or
 * it is a process on this host that no longer exists (a restart takes its checks at once), or
 * it has no heartbeat row at all. The adoption itself is a compare-and-set in the store, so two
 * live replicas never both take the same check.
 */
import type { CheckStore, ReplicaBeat, SignalQueue } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ReplicaId } from '../util/replica.js';

export interface Ownership {
  /** This replica: written as the owner of every check it opens or adopts. */
  me: ReplicaId;
  /** A heartbeat older than this means its replica is gone (PINGOPS_LEASE_TTL_MS). */
  staleAfterMs: number;
  /** How often the heartbeat is written and the store looked at for checks of gone replicas (PINGOPS_LEASE_RENEW_MS). */
  everyMs: number;
  /** A replica on this host whose process is gone (util/replica). */
  goneOnThisHost: (r: Pick<ReplicaId, 'pid' | 'host'>) => boolean;
  /** Cancel pressed on one replica for a check another follows goes to its owner through here. */
  signals?: SignalQueue;
}

/** The queue a replica's engine of one surface reads its signals from. */
export const signalTarget = (replica: string, surface: string): string => `${replica}:${surface}`;

/** Whether a check owned by `owner` may be adopted by `me` at `now` (pure). */
export function ownerGone(owner: string | null | undefined, o: Pick<Ownership, 'me' | 'staleAfterMs' | 'goneOnThisHost'>, replicas: readonly ReplicaBeat[], now: number): boolean {
  if (owner === null || owner === undefined) return true;
  // Our own checks are followed (or about to be) by this very process.
  if (owner === o.me.id) return false;
  const beat = replicas.find((r) => r.id === owner);
  if (!beat) return true;
  if (o.goneOnThisHost(beat)) return true;
  return now - beat.beatAt >= o.staleAfterMs;
}

/** How many replicas are alive at `now` by their heartbeats, this one (`me`) always among them (pure). */
export function liveReplicaCount(replicas: readonly ReplicaBeat[], o: Pick<Ownership, 'me' | 'staleAfterMs' | 'goneOnThisHost'>, now: number): number {
  const others = replicas.filter((r) => r.id !== o.me.id && !ownerGone(r.id, o, replicas, now));
  return others.length + 1;
}

/**
 * Writes this replica's heartbeat now (awaited: a replica is known before it owns anything) and
 * then every `everyMs`; a failed beat is logged and tried at the next period. After each beat,
 * `onReplicas` hears how many replicas are alive (the request budget's share while the store is
 * away); a failed read leaves the last count.
 */
export async function startHeartbeat(deps: {
  store: Pick<CheckStore, 'heartbeat' | 'replicas' | 'farewell'>;
  ownership: Ownership;
  clock: Clock;
  logger: Logger;
  onReplicas?: (alive: number) => void;
}): Promise<{ stop(o?: { farewell: boolean }): Promise<void> }> {
  const { store, ownership, clock, onReplicas } = deps;
  const log = deps.logger.child({ component: 'owners', replica: ownership.me.id });
  const stopper = new AbortController();
  const count = async () => {
    if (!onReplicas) return;
    const now = clock.now();
    try {
      onReplicas(liveReplicaCount(await store.replicas(now), ownership, now));
    } catch (err) {
      log.warn({ err }, 'replicas not read; the last count stands until the next beat');
    }
  };
  const beat = () =>
    store.heartbeat(ownership.me, clock.now()).then(count, (err: unknown) => log.warn({ err }, 'heartbeat not written; trying again'));
  await beat();
  const loop = (async () => {
    for (;;) {
      try {
        await clock.sleep(ownership.everyMs, stopper.signal);
      } catch {
        return;
      }
      await beat();
    }
  })();
  return {
    /** `farewell`: nothing of this process runs any more; its row goes (CheckStore.farewell). */
    async stop(o) {
      stopper.abort();
      await loop;
      if (!o?.farewell) return;
      try {
        await store.farewell(ownership.me.id);
        log.info('heartbeat removed: the other replicas take what this one left at their next period');
      } catch (err) {
        log.warn({ err }, 'heartbeat not removed; the other replicas take what this one left once it is older than the TTL');
      }
    },
  };
}
