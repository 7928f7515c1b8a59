import type { DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { Verdict } from '../core/verdict.js';

/** Where a conversation lives on its surface: a channel (or DM), and the thread in it, if any. */
export interface Place {
  channel: string;
  /** The thread the status and the notification go into; null: the channel itself. */
  thread: string | null;
}

/** The messages a conversation posted, by role: ids as the surface knows them (Slack ts, Discord snowflake). */
export interface MessageRefs {
  root?: string;
  status?: string;
}

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
  place: Place;
  messages: MessageRefs;
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
}

export type NewCheck = Omit<StoredCheck, 'taskId' | 'state' | 'verdict' | 'final' | 'lossPct' | 'rttMs' | 'updatedAt' | 'finishedAt' | 'mention' | 'delivered'>;

/** What changes over a check's life; only the fields given are written. */
export interface CheckPatch {
  taskId?: string | null;
  state?: string;
  messages?: MessageRefs;
  /** The thread, once the conversation opened one (a root card's). */
  thread?: string | null;
  final?: DoneState;
  mention?: MentionState;
  delivered?: boolean;
}

/**
 * The durable memory of every check. SQLite is the embedded default (sqlite-check-store.ts); a
 * server database can implement the same interface without the engine noticing. Calls are
 * synchronous because the embedded store is; an implementation over the network would queue
 * its writes behind the same interface.
 */
export interface CheckStore {
  insert(check: NewCheck, now: number): void;
  update(id: string, patch: CheckPatch, now: number): void;
  get(id: string): StoredCheck | null;
  /** Checks of one surface whose final view was not delivered yet, oldest first. */
  unfinished(surface: string): StoredCheck[];
  /** The newest checks of one client, newest first. */
  history(serviceId: number, limit: number): StoredCheck[];
  /** The newest finished check of a client with a real verdict (not cancelled), if any. */
  lastVerdict(serviceId: number): StoredCheck | null;
  /** A verdict of the API for this service and packet count, no older than `maxAgeMs`. */
  recentVerdict(serviceId: number, packets: number, maxAgeMs: number, now: number): DoneState | null;
  /** Every check started at or after `since`, oldest first (at most `limit`). */
  since(since: number, limit: number): StoredCheck[];
  /** Deletes delivered checks started before `before`; returns how many. */
  prune(before: number): number;
  /** True after a write failure moved the store into memory. */
  readonly degraded: boolean;
  close(): void;
}
