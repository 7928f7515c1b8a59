/**
 * Every store port, in one place, every one asynchronous: what an implementation of the store
 * (SQLite in src/store/sqlite/, PostgreSQL in src/store/postgres/) must provide, and all that
 * the rest of the program may know of it. `openDatabase` of an implementation returns one
 * `Database` per process, carrying every port on one connection (or pool).
 *
 * Layering: this file imports only `core/` (the check's outcome types), so every domain folder
 * (chat, noc, directory, present) may import it without a cycle: util <- core <- store/ports <-
 * domains <- adapters <- app. Records that belong to a domain above the store (the NOC's
 * incidents, events and trackers, an alert taken from a hook) are kept opaque: the store reads
 * and writes them whole (JSON) and indexes only the fields its constraint names; the domain fills
 * in the type parameters (noc/store.ts, noc/intake-sink.ts). The duration-model port is declared
 * in core (core depends on nothing above it) and re-exported here.
 */
import type { DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { Verdict } from '../core/verdict.js';
import type { DurationModelPort, StoredDurationModel } from '../core/schedule-learner.js';
import type { RequestBudgetPort } from '../core/request-budget.js';
import type { FlightClaim, FlightClaimPort } from '../core/flight-claims.js';

export type { DurationModelPort, StoredDurationModel, RequestBudgetPort, FlightClaim, FlightClaimPort };

// ---------------------------------------------------------------------------------------------
// Checks

/** Where a check's conversation lives: opaque ids the surface defines (chat/port.ts `Place`). */
export interface CheckPlace {
  channel: string;
  thread: string | null;
}

/** Ids of the messages a check posted, by the role chat gives them (`root`, `status`). */
export type CheckMessages = { readonly [role: string]: string | undefined };

/**
 * Whether the requester's notification went out. `sending` is written before the post and
 * `sent` after it: a restart that finds `sending` does not post again (at most once).
 */
export type MentionState = 'none' | 'sending' | 'sent' | 'skipped';

/** One check as the store keeps it: who asked for what, where, and how it ended. */
export interface StoredCheck {
  /** The conversation id; buttons carry it, so they work after a restart. */
  id: string;
  serviceId: number;
  packets: number;
  taskId: string | null;
  /** Platform user id of the requester. */
  requester: string;
  requesterName: string | null;
  surface: string;
  place: CheckPlace;
  messages: CheckMessages;
  locale: 'es' | 'en';
  /** The client card as looked up when the check started (re-rendered after a restart). */
  client: ClientRecord | null;
  /** The newest CheckState kind written (`starting`, `created`, `polling`, `done`…). */
  state: string;
  verdict: Verdict | null;
  /** The final state, once done. */
  final: DoneState | null;
  lossPct: number | null;
  rttMs: number | null;
  startedAt: number;
  deadlineAt: number;
  updatedAt: number;
  finishedAt: number | null;
  mention: MentionState;
  /** True once the final view reached every message: nothing is left to do for this check. */
  delivered: boolean;
  /**
   * The replica following this check (its `ReplicaBeat.id`); null for rows of a process that
   * named none (before issue 16, the CLI). Another replica takes the check over only once this
   * owner's heartbeat is stale, with `adopt` (compare-and-set).
   */
  owner?: string | null;
}

export type NewCheck = Omit<StoredCheck, 'taskId' | 'state' | 'verdict' | 'final' | 'lossPct' | 'rttMs' | 'updatedAt' | 'finishedAt' | 'mention' | 'delivered'>;

/** What changes over a check's life; only the fields given are written. */
export interface CheckPatch {
  taskId?: string | null;
  state?: string;
  messages?: CheckMessages;
  /** The thread, once the conversation opened one (a root card's). */
  thread?: string | null;
  final?: DoneState;
  mention?: MentionState;
  delivered?: boolean;
  /**
   * The check's clock, restarted: a check that never ran (stopped between its row and its first
   * message) gets its whole time again when it is resumed, and keeps it across a second restart.
   */
  clock?: { startedAt: number; deadlineAt: number };
}

/** A running replica as its heartbeat row says: written every few seconds, one row per process. */
export interface ReplicaBeat {
  id: string;
  pid: number;
  host: string;
  beatAt: number;
}

/**
 * The durable memory of every check. Writes of one check are applied in the order they were
 * called, even when the caller does not wait for each (an implementation over the network
 * queues them).
 */
export interface CheckStore {
  insert(check: NewCheck, now: number): Promise<void>;
  update(id: string, patch: CheckPatch, now: number): Promise<void>;
  get(id: string): Promise<StoredCheck | null>;
  /**
   * Checks of one surface whose final view was not delivered yet, oldest first; with `notOwnedBy`,
   * only those another replica (or nobody) owns: a replica's adoption pass every few seconds
   * must not read back and parse every check it follows itself.
   */
  unfinished(surface: string, notOwnedBy?: string): Promise<StoredCheck[]>;
  /**
   * Checks of one surface that `owner` follows (null: a process without replicas) whose verdict
   * is written but whose final edits are not delivered, oldest verdict first, at most `limit`:
   * the final edits a bounded engine left waiting in the store (chat/final-backlog).
   */
  awaitingFinals(surface: string, owner: string | null, limit: number): Promise<StoredCheck[]>;
  /** The newest checks of one client, newest first. */
  history(serviceId: number, limit: number): Promise<StoredCheck[]>;
  /**
   * The newest finished check of a client with a real verdict (not cancelled), if any, finished
   * before `before` when given (a card's "Last check" line); may miss one written in the same
   * event-loop turn.
   */
  lastVerdict(serviceId: number, before?: number): Promise<StoredCheck | null>;
  /** Every check started at or after `since`, oldest first (at most `limit`). */
  since(since: number, limit: number): Promise<StoredCheck[]>;
  /** Deletes delivered checks started before `before`; returns how many. */
  prune(before: number): Promise<number>;
  /** This replica is alive: one write per replica and period (not one per check). */
  heartbeat(replica: Omit<ReplicaBeat, 'beatAt'>, now: number): Promise<void>;
  /** Every replica's last heartbeat (replicas silent for a day are forgotten). */
  replicas(now: number): Promise<ReplicaBeat[]>;
  /**
   * This replica has stopped and runs nothing more: its heartbeat row goes, so the others count
   * it gone at once and take what it left at their next period instead of after the TTL.
   */
  farewell(replicaId: string): Promise<void>;
  /**
   * Compare-and-set: makes `owner` the owner of the unfinished check `id` if its owner is still
   * `expected`. False when another replica got there first (or the check was delivered).
   */
  adopt(id: string, expected: string | null, owner: string, now: number): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Client cards

/** A client card as the Ping API last described it, and when. */
export interface StoredCard {
  record: ClientRecord;
  fetchedAt: number;
}

/** How long a client card is trusted (the directory's default) and kept in the store. */
export const CARD_TRUST_MS = 5 * 60_000;

/**
 * Who answered, as `pingapi/identity` names it (`<kind>:<url>#<fingerprint>`): the caches below
 * keep each provider's answers apart, so a process on another API, or on the same API with other
 * credentials, never reads them as its own.
 */
export type ProviderKey = string;

/**
 * Client cards kept between processes, so a new process (the CLI) need not look them up again;
 * one per provider and service id.
 */
export interface ClientCardPort {
  get(provider: ProviderKey, serviceId: number): Promise<StoredCard | null>;
  put(provider: ProviderKey, cards: readonly StoredCard[]): Promise<void>;
}

/** The cards of one provider: what the directory of a process is handed. */
export interface ProviderCards {
  get(serviceId: number): Promise<StoredCard | null>;
  put(cards: readonly StoredCard[]): Promise<void>;
}

/** `port` seen by a process that talks to `provider` only. */
export const cardsOf = (port: ClientCardPort, provider: ProviderKey): ProviderCards => ({
  get: (serviceId) => port.get(provider, serviceId),
  put: (cards) => port.put(provider, cards),
});

// ---------------------------------------------------------------------------------------------
// Result cache

/** How long a cached verdict is kept at most (PING_RESULT_CACHE_MS is at most a day). */
export const RESULT_KEEP_MS = 24 * 3_600_000;

/**
 * The API's verdicts, shared by every process on the store (the result cache across processes
 * and replicas): the newest one per provider, service id and packet count.
 */
export interface ResultCachePort {
  /** The verdict `provider` gave for this service and packet count, no older than `maxAgeMs`. */
  get(provider: ProviderKey, serviceId: number, packets: number, maxAgeMs: number, now: number): Promise<DoneState | null>;
  /** Keeps a verdict the API gave (a cached or failed answer is not one: the caller filters). */
  put(provider: ProviderKey, packets: number, state: DoneState, now: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// NOC state and outbox

export type WatchKind = 'client' | 'router' | 'zone' | 'all';

/** One line of the watch list. */
export interface WatchEntry {
  id: number;
  kind: WatchKind;
  /** The service, router or zone id; null for `all`. */
  ref: number | null;
  intervalMs: number;
  /** A chat channel for its alerts; null: the default destination. */
  channel: string | null;
  createdAt: number;
}

/** The fields of a silence the store reads; the scope's grammar is the NOC's. */
export interface SilenceRecord {
  scope: string;
  until: number;
  reason: string | null;
  createdAt: number;
}

/** The fields of an incident the store indexes; the rest is the NOC's and kept whole. */
export interface IncidentRecord {
  id: number;
  scope: string;
  state: 'open' | 'acked' | 'resolved';
  openedAt: number;
  resolvedAt: number | null;
}

/** The fields of a NOC event the store indexes (the incident it belongs to, if any). */
export interface EventRecord {
  kind: string;
  incident?: { id: number };
}

/** The record types the NOC keeps in its tables (noc/store.ts names its own). */
export interface NocRecords {
  silence: SilenceRecord;
  incident: IncidentRecord;
  event: EventRecord;
  /** A tracker's state: opaque to the store. */
  track: unknown;
}

/** What the watcher finds at start: trackers, open incidents and the next incident id. */
export interface NocSnapshot<R extends NocRecords = NocRecords> {
  tracks: Map<string, R['track']>;
  incidents: R['incident'][];
  nextIncidentId: number;
}

/** What one round changed: written in one transaction, the events into the outbox. */
export interface NocChanges<R extends NocRecords = NocRecords> {
  tracks: Map<string, R['track']>;
  incidents: R['incident'][];
  events: R['event'][];
}

/** One notification waiting in the outbox (written before sending, marked after). */
export interface OutboxItem<E = EventRecord> {
  id: number;
  event: E;
  attempts: number;
}

/** Who holds a lease: a replica (util/replica), by its id, pid and host. */
export interface LeaseHolder {
  id: string;
  pid: number;
  host: string;
}

/**
 * The leases one store hands out, by name: `noc` (the NOC watcher, outbox, intake, retention)
 * and `discord-gateway` (the one Discord gateway session), each held by one replica at a time.
 */
export type LeaseName = 'noc' | 'discord-gateway';

export type LeaseClaim = { ok: true } | { ok: false; holder: LeaseHolder };

/** Named lease rows with a TTL (util/leadership runs the rules on top). */
export interface LeaseStore {
  /**
   * Claims (or renews) the lease `name` for `holder` until `now + ttlMs`. Refused while another
   * live holder has it; `isStale` says whether a holder is gone (its process died).
   */
  claim(name: LeaseName, holder: LeaseHolder, now: number, ttlMs: number, isStale: (h: LeaseHolder) => boolean): Promise<LeaseClaim>;
  /** Gives the lease back if `holder` still has it (a graceful stop: the next claim wins at once). */
  release(name: LeaseName, holder: LeaseHolder): Promise<void>;
  /** Who holds `name` at `now` (null: nobody, or its lease ran out), for `pingops noc` and /readyz. */
  holder(name: LeaseName, now: number): Promise<LeaseHolder | null>;
}

/** What the NOC keeps: watch list, silences, the engine's state, incidents and the outbox. */
export interface NocStore<R extends NocRecords = NocRecords> {
  listWatches(): Promise<WatchEntry[]>;
  /** Adds an entry, or updates the interval and channel of the same kind and ref. */
  addWatch(entry: { kind: WatchKind; ref: number | null; intervalMs: number; channel: string | null }, now: number): Promise<WatchEntry>;
  removeWatch(kind: WatchKind, ref: number | null): Promise<boolean>;
  /** Silences still running at `now`. */
  silences(now: number): Promise<R['silence'][]>;
  addSilence(s: R['silence']): Promise<void>;
  /** Ends the running silences of exactly `scope` (`all` lifts only a silence of all); how many. */
  removeSilences(scope: R['silence']['scope'], now: number): Promise<number>;
  loadEngine(): Promise<NocSnapshot<R>>;
  /** Trackers, incidents and new events (into the outbox) in one transaction; the events' outbox ids. */
  commit(d: NocChanges<R>, now: number): Promise<number[]>;
  pendingOutbox(limit: number): Promise<OutboxItem<R['event']>[]>;
  markSent(id: number, now: number): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  /** Incidents, newest first: open ones, or also recently resolved ones. */
  incidents(opts: { openOnly: boolean; limit: number }): Promise<R['incident'][]>;
  /** Events written to the outbox after `afterId`, oldest first (the read-only live view). */
  eventsAfter(afterId: number, limit: number): Promise<{ id: number; event: R['event'] }[]>;
  /** A small JSON note the running watcher leaves for `pingops noc status`. */
  setMeta(key: string, value: unknown): Promise<void>;
  getMeta(key: string): Promise<unknown>;
}

// ---------------------------------------------------------------------------------------------
// NOC messages in chat

/** Where one incident lives on one surface. */
export interface IncidentMessages {
  channel: string;
  /** Null while its first post is under way (or was cut short by a crash). */
  rootId: string | null;
  /** The thread replies go to: Slack's root ts, Discord's thread started from the root. */
  threadId: string | null;
}

/** What one outbox event posts on one surface, recorded around the post. */
export type PostStep = 'reply' | 'note';

/**
 * Where each NOC incident lives in chat, and what each outbox event posted (the outbox is at
 * least once: a redelivery must not post twice).
 */
export interface NocMessageStore {
  messages(incidentId: number, surface: string): Promise<IncidentMessages | null>;
  saveMessages(incidentId: number, surface: string, m: IncidentMessages, now: number): Promise<void>;
  post(outboxId: number, surface: string, step: PostStep): Promise<{ state: 'sending' | 'sent'; messageId: string | null } | null>;
  recordPost(outboxId: number, surface: string, step: PostStep, state: 'sending' | 'sent', messageId: string | null, now: number): Promise<void>;
  clearPost(outboxId: number, surface: string, step: PostStep): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Alert intake

/** Alerts taken from the hooks, kept until checked (a restart picks them up). `A` is opaque. */
export interface IntakeQueue<A = unknown> {
  /** Adds the alerts in one transaction and returns their ids; null when `max` would be passed (nothing added). */
  add(alerts: readonly A[], now: number, max: number): Promise<number[] | null>;
  /** Alerts not yet done, oldest first. */
  pending(limit: number): Promise<{ id: number; alert: A }[]>;
  done(ids: readonly number[], now: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Requests in hand

/**
 * A person's request a surface acknowledged and has not yet taken up: its check row is not
 * written and nobody answered it. `key` becomes the check's id, so a request replayed after a
 * crash can tell that its check had started after all. `body` is the surface's own (opaque).
 */
export interface HeldRequest {
  key: string;
  surface: string;
  /** The replica holding it (chat/owners); another takes it over only once this one is gone. */
  owner: string;
  body: unknown;
  receivedAt: number;
}

/**
 * Requests in hand (chat/held-requests): written as they are acknowledged, deleted once taken up,
 * so that a replica that dies between an ack and the check leaves them for the next to run.
 */
export interface HeldRequestStore {
  /** Written with the turn's other writes (idempotent: a second hold of a key changes nothing). */
  hold(r: HeldRequest): Promise<void>;
  release(key: string): Promise<void>;
  /** Requests of `surface` that another replica holds, oldest first, at most `limit`. */
  heldByOthers(surface: string, me: string, limit: number): Promise<HeldRequest[]>;
  /** Compare-and-set: makes `owner` the holder of `key` if it is still `expected`'s. */
  adopt(key: string, expected: string, owner: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Signals between replicas

/** A request for another replica (a button clicked on one replica for a check another follows). */
export interface Signal {
  id: number;
  /** A replica id and surface (`<replica>:<surface>`) or `leader`. */
  target: string;
  kind: string;
  body: unknown;
  createdAt: number;
}

/** Signals nobody took within this long are dropped: their target is gone. */
export const SIGNAL_TTL_MS = 3_600_000;
/** Most signals waiting for one target. */
export const SIGNALS_MAX = 200;

/**
 * A small queue per target, polled by its owner: bounded (`send` refuses past `max` waiting),
 * ordered (oldest first), deleted when done; signals nobody took within an hour are dropped
 * (their target is gone, and its checks were adopted with their own state).
 */
export interface SignalQueue {
  /** The new signal's id; null when `max` signals already wait for this target. */
  send(target: string, kind: string, body: unknown, now: number, max: number): Promise<number | null>;
  take(target: string, limit: number): Promise<Signal[]>;
  done(ids: readonly number[], now: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The database object

/** The domain records a process keeps (app/ names them once: the NOC's and the intake's). */
export interface StoreRecords {
  noc: NocRecords;
  alert: unknown;
}

/** What the store says about itself for /readyz and /metrics. */
export type StoreHealth =
  /** `lastFault`: a fault the store survived without losing a write (its WAL vanished and was saved). */
  | { state: 'ok'; lastFault?: { at: number; reason: string } }
  /**
   * Every port runs in memory: the file could not take a write (disk full, read-only, I/O
   * error) or is no longer the one opened (deleted, replaced). Lasts until a restart.
   */
  | { state: 'degraded'; since: number; reason: string };

/** One per process: every port on one connection, one degrade policy for all of them. */
export interface Database<S extends StoreRecords = StoreRecords> {
  readonly checks: CheckStore;
  readonly cards: ClientCardPort;
  readonly results: ResultCachePort;
  readonly durationModels: DurationModelPort;
  readonly noc: NocStore<S['noc']>;
  readonly nocMessages: NocMessageStore;
  readonly intake: IntakeQueue<S['alert']>;
  readonly signals: SignalQueue;
  /** Requests acknowledged and not yet taken up (chat/held-requests). */
  readonly held: HeldRequestStore;
  /** Named leases: one replica at a time runs what needs one (the NOC, the Discord gateway). */
  readonly leases: LeaseStore;
  /** The Ping API's request budget, one bucket for every replica on this store (core/request-budget). */
  readonly budget: RequestBudgetPort;
  /** Single-flight across replicas: who creates the one task of a client and packet count (core/flight-claims). */
  readonly flights: FlightClaimPort;
  /** `sqlite` or `postgres`, for logs and /readyz. */
  readonly kind: string;
  /** Cheap: the state as last seen (a check of the file runs on a timer and on write failures). */
  health(): StoreHealth;
  /** True once writes went to memory (health() is not `ok`). */
  readonly degraded: boolean;
  close(): Promise<void>;
}
