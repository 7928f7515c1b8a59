import type { ClientRecord } from '../core/client.js';
import type { Verdict } from '../core/verdict.js';

/** What a watch entry covers, and one line of the watch list: records of the store (store/ports.ts). */
export type { WatchEntry, WatchKind } from '../store/ports.js';
import type { WatchEntry } from '../store/ports.js';

/** Where an incident or a notice belongs. Routers group clients; zones stand in where no router is known. */
export type ScopeKey = `client:${number}` | `router:${number}` | `zone:${number}`;
export type GroupKey = Exclude<ScopeKey, `client:${number}`>;

/** One verdict reduced to what the NOC cares about. */
export type Health = 'down' | 'up' | 'unknown';

/** The settings of the watcher (`NOC_*`), all durations in milliseconds. */
export interface NocSettings {
  intervalMs: number;
  budgetPct: number;
  sample: number;
  confirm: number;
  rollupPct: number;
  rollupMin: number;
  downAfter: number;
  upAfter: number;
  quickConfirmMs: number;
  repeatMs: number;
  flapWindowMs: number;
  /** State changes within the flap window that make a scope flapping. */
  flapChanges: number;
  /** A round never starts sooner than this after the previous one (small watch lists). */
  roundMinMs: number;
}

export const DEFAULT_NOC_SETTINGS: NocSettings = {
  intervalMs: 5 * 60_000,
  budgetPct: 50,
  sample: 1,
  confirm: 5,
  rollupPct: 50,
  rollupMin: 3,
  downAfter: 2,
  upAfter: 2,
  quickConfirmMs: 30_000,
  repeatMs: 3_600_000,
  flapWindowMs: 3_600_000,
  flapChanges: 4,
  roundMinMs: 60_000,
};

/** The last verdict of one client, as an incident shows it. */
export interface Member {
  serviceId: number;
  name: string;
  verdict: Verdict | null;
  health: Health;
  at: number;
}

export type IncidentState = 'open' | 'acked' | 'resolved';

/** One outage: a client, a router or a zone that is down (kept in the store). */
export interface Incident {
  id: number;
  scope: ScopeKey;
  /** The router or zone a client incident belongs to (to fold it into that group's incident). */
  group: GroupKey | null;
  /** Plain text for people, e.g. `RB-2 (zone 2)`; outside text, escaped by each surface. */
  label: string;
  state: IncidentState;
  openedAt: number;
  ackedBy: string | null;
  ackedAt: number | null;
  resolvedAt: number | null;
  nextReminderAt: number | null;
  /** True once its opening was notified: only then does a silence still let its recovery through. */
  alerted: boolean;
  /** Every client checked for it, with its last verdict. */
  members: Member[];
  /** Billing holds, WispHub's falla_general, ... (plain text). */
  notes: string[];
  /**
   * Opened on another system's alert (`Alertmanager: ClientLinkDown`): a client's is followed one
   * by one, a router's (an alert storm folded) is sampled each round, until it ends.
   */
  reportedBy?: string | null;
}

/** A neutral event for whoever notifies (terminal, logs; Slack and Discord in the next issue). */
export type NocEvent =
  | { kind: 'opened'; incident: Incident; at: number }
  /** Also after a recovery (the incident resolved): members it left down were checked again. */
  | { kind: 'members_changed'; incident: Incident; down: number[]; back: number[]; at: number }
  | { kind: 'acked'; incident: Incident; by: string; at: number }
  | { kind: 'reminder'; incident: Incident; at: number }
  | { kind: 'resolved'; incident: Incident; durationMs: number; at: number }
  | { kind: 'flapping'; scope: ScopeKey; label: string; changes: number; windowMs: number; at: number }
  | { kind: 'budget_warning'; message: string; stretched: string[]; at: number }
  /** Someone silenced an incident's scope from chat (its Silence button). */
  | { kind: 'silenced'; incident: Incident; by: string; until: number; at: number }
  /** Another system said a client is down, and our check disagrees or could not tell (a note, no thread). */
  | ({ kind: 'intake_note'; why: 'answers' | 'unknown' | 'on_hold' | 'no_client'; channel: string | null; problem?: string } & IntakeReport)
  /** Another system says a client's alert is resolved; our fresh check, for the incident's thread. */
  | ({ kind: 'intake_resolved'; incident: Incident } & IntakeReport)
  /**
   * The lines of one notification (an Alertmanager group, a burst of Uptime Kuma monitors) that
   * another system says are down and that answer our checks (or could not be told), summed up
   * in one note per notification instead of one each.
   */
  | { kind: 'intake_summary'; source: string; title: string | null; channel: string | null; groups: IntakeSummaryGroup[]; at: number }
  /**
   * Another system resolved the alerts of a router (or zone) in one notification: what the
   * sample re-checked for it found, one reply in its incident's thread.
   */
  | { kind: 'intake_group_resolved'; incident: Incident; source: string; title: string | null; alerts: number; checked: number; answer: number; at: number };

/** One router's (or zone's) share of an intake summary: `38 of 40 alerting lines on RB-3 answer`. */
export interface IntakeSummaryGroup {
  /** `RB-3 (Zona 3)`; null for clients with no router or zone known. */
  label: string | null;
  /** Lines of this group the notification alerted on. */
  alerting: number;
  /** Of those, how many answer our check. */
  answer: number;
  /** Antenna only: the customer's device does not answer, the sector antenna does (a premises fault, the alert was right). */
  premises: number;
  /** Our check could not tell. */
  unknown: number;
  /** On a billing hold (suspended or past its cut-off): not an outage. */
  onHold: number;
}

/** What an alert from another system said about a client, and what our fresh check found. */
export interface IntakeReport {
  /** `Alertmanager`, `Uptime Kuma`, `Check request`. */
  source: string;
  /** The alert's name (alertname, monitor name), outside text. */
  title: string | null;
  /** Why the sender says it fired (summary, Kuma's msg, /hooks/check's reason), outside text, one line. */
  reason?: string | null;
  /** Null when the alert named no client we know (`label` then holds what it named). */
  serviceId: number | null;
  /** `client-1001 Ana Morales`. */
  label: string;
  verdict: Verdict | null;
  lossPct: number | null;
  rttMs: number | null;
  at: number;
}

/** What the watcher is doing, for `pingops noc status`, the live view and /metrics. */
export interface WatcherStatus {
  at: number;
  summary: string;
  stretched: string[];
  round: number;
  roundStartedAt: number | null;
  lastRoundMs: number | null;
  plannedRoundMs: number;
  budgetPerMin: number;
  requestsLastMinute: number;
  costPerCheck: number;
  groups: { key: GroupKey; label: string; clients: number; candidates: number; down: boolean }[];
  single: { serviceId: number; name: string; status: 'up' | 'down' | 'unknown' | 'on_hold' }[];
  watches: WatchEntry[];
  open: Incident[];
  silences: Silence[];
}

/** Every client the watcher may sweep (the ISP's full list). */
export interface ClientInventory {
  list(opts?: { signal?: AbortSignal }): Promise<ClientRecord[]>;
}

/** Delivers one event; throws when it could not (the outbox keeps it and tries again). */
export interface NocNotifier {
  deliver(event: NocEvent, outboxId: number): Promise<void>;
}

/** A scope silenced until `until`. */
export interface Silence {
  scope: ScopeKey | 'all';
  until: number;
  reason: string | null;
  createdAt: number;
}

/** The group of a client: its router when known, else its zone (middleware clients carry only zone_id). */
export function groupOf(c: Pick<ClientRecord, 'router' | 'zoneId'>): GroupKey | null {
  if (c.router) return `router:${c.router.id}`;
  if (c.zoneId !== null) return `zone:${c.zoneId}`;
  return null;
}

/** Parses `client:1001`, `1001`, `router:3`, `zone:2`. */
export function parseScope(text: string): ScopeKey | null {
  const m = /^\s*(?:(client|router|zone):)?#?(\d{1,9})\s*$/i.exec(text);
  if (!m) return null;
  return `${(m[1] ?? 'client').toLowerCase() as 'client' | 'router' | 'zone'}:${Number(m[2])}`;
}
