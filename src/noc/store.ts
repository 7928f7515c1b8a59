import type { Drained, EngineSnapshot } from './engine.js';
import type { Incident, NocEvent, ScopeKey, Silence, WatchEntry, WatchKind } from './types.js';

/** One notification waiting in the outbox (written before sending, marked after). */
export interface OutboxItem {
  id: number;
  event: NocEvent;
  attempts: number;
}

/**
 * What the NOC keeps: watch list, silences, the engine's state, incidents and the outbox.
 * Async so a server database can replace the SQLite one (src/store/noc-store.ts).
 */
export interface NocStore {
  listWatches(): Promise<WatchEntry[]>;
  /** Adds an entry, or updates the interval and channel of the same kind and ref. */
  addWatch(entry: { kind: WatchKind; ref: number | null; intervalMs: number; channel: string | null }, now: number): Promise<WatchEntry>;
  removeWatch(kind: WatchKind, ref: number | null): Promise<boolean>;
  /** Silences still running at `now`. */
  silences(now: number): Promise<Silence[]>;
  addSilence(s: Silence): Promise<void>;
  /** Ends the running silences of exactly `scope` (`all` lifts only a silence of all); how many. */
  removeSilences(scope: ScopeKey | 'all', now: number): Promise<number>;
  loadEngine(): Promise<EngineSnapshot>;
  /** Trackers, incidents and new events (into the outbox) in one transaction; the events' outbox ids. */
  commit(d: Drained, now: number): Promise<number[]>;
  pendingOutbox(limit: number): Promise<OutboxItem[]>;
  markSent(id: number, now: number): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  /** Incidents, newest first: open ones, or also recently resolved ones. */
  incidents(opts: { openOnly: boolean; limit: number }): Promise<Incident[]>;
  /**
   * Claims (or renews) the one-watcher lease of this store until `now + ttlMs`. Refused while
   * another live holder has it; `isStale` says whether a holder is gone (its process died).
   */
  claimLease(holder: LeaseHolder, now: number, ttlMs: number, isStale: (h: LeaseHolder) => boolean): Promise<{ ok: true } | { ok: false; holder: LeaseHolder }>;
  releaseLease(holder: LeaseHolder): Promise<void>;
  /** Events written to the outbox after `afterId`, oldest first (the read-only live view). */
  eventsAfter(afterId: number, limit: number): Promise<{ id: number; event: NocEvent }[]>;
  /** A small JSON note the running watcher leaves for `pingops noc status`. */
  setMeta(key: string, value: unknown): Promise<void>;
  getMeta(key: string): Promise<unknown>;
}

/** Who runs the watcher on a store: one per store, or two would sweep and alert twice. */
export interface LeaseHolder {
  id: string;
  pid: number;
  host: string;
}

/** Whether a silence covers a scope (`all` covers everything). */
export function covers(s: Pick<Silence, 'scope'>, scope: ScopeKey): boolean {
  return s.scope === 'all' || s.scope === scope;
}
