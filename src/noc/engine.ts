/**
 * The NOC's decisions, without I/O: damped state per client and per group, incidents and the
 * neutral events they emit. The watcher feeds it verdicts and time; the store persists what
 * `drain()` hands back (trackers, incidents and events in one transaction, so a restart never
 * opens a second incident for the same outage nor loses a notification).
 */
import type { Verdict } from '../core/verdict.js';
import { hasSettled, NEW_TRACKER, observe, restartStreaks, type DampingRules, type Tracker } from './damping.js';
import { rollup } from './rollup.js';
import type { GroupKey, Health, Incident, IntakeReport, IntakeSummaryGroup, Member, NocEvent, NocSettings, ScopeKey } from './types.js';

/** What the engine remembers about one client (kept in the store). */
export interface ClientTrack {
  kind: 'client';
  tracker: Tracker;
  lastVerdict: Verdict | null;
  /** Left down when its router's incident ended: fresh verdicts decide whether it gets its own. */
  orphan: boolean;
  /** When its current run of down verdicts began (null while it answers). */
  downSince?: number | null;
}

/** What the engine remembers about one router or zone. */
export interface GroupTrack {
  kind: 'group';
  tracker: Tracker;
}

export type Track = ClientTrack | GroupTrack;

/** One client as the watcher knows it when a verdict arrives. */
export interface ClientFacts {
  serviceId: number;
  name: string;
  group: GroupKey | null;
  groupLabel: string | null;
  /** Watched one by one (a `client` entry): its own outages alert. */
  explicit: boolean;
  /** Its group is watched (router, zone or all): it counts towards the group's outage. */
  inWatchedGroup: boolean;
  onHold: boolean;
}

/** What the watcher should do after a verdict. */
export interface Followup {
  /** Check this client again after NOC_QUICK_CONFIRM (its state is about to change). */
  quickRecheck: boolean;
  /** Check up to NOC_CONFIRM more clients of its group at once (it disagrees with the group's state). */
  confirmGroup: boolean;
}

/** What an external alert led to (alert intake). */
export type ReportOutcome = 'opened' | 'joined' | 'already' | 'noted' | 'posted' | 'no_incident' | 'silenced';

/** One alert from another system about a client, with our fresh verdict. */
export interface ExternalAlert {
  status: 'firing' | 'resolved';
  /** `Alertmanager`, `Uptime Kuma`, `Check request`. */
  source: string;
  title: string | null;
  /** Why the sender says it fired (summary, Kuma's msg, /hooks/check's reason), one line. */
  reason?: string | null;
  /** A channel the sender asked for (its note goes there). */
  channel: string | null;
  lossPct: number | null;
  rttMs: number | null;
}

/** A report that would have been a note of its own, kept for the notification's one summary. */
export interface HeldNote {
  why: 'answers' | 'unknown' | 'on_hold';
  serviceId: number;
  group: GroupKey | null;
  groupLabel: string | null;
  note: Extract<NocEvent, { kind: 'intake_note' }>;
}

/** Alerting clients of a router folded into its incident without a check of their own. */
export interface AlertFold {
  members: Member[];
  /** `Alertmanager: ClientLinkDown`. */
  by: string;
  /** Said on the incident: `40 clients alerting (Alertmanager: ClientLinkDown)`. */
  note: string;
}

export interface EngineSnapshot {
  tracks: Map<string, Track>;
  incidents: Incident[];
  nextIncidentId: number;
}

export interface Drained {
  tracks: Map<string, Track>;
  incidents: Incident[];
  events: NocEvent[];
}

const MAX_MEMBERS = 200;

export class NocEngine {
  private readonly tracks: Map<string, Track>;
  /** Incidents not yet resolved, by scope (at most one per scope: the store enforces it too). */
  private readonly open = new Map<ScopeKey, Incident>();
  private nextId: number;
  private dirtyTracks = new Set<string>();
  private dirtyIncidents = new Map<number, Incident>();
  private events: NocEvent[] = [];
  private lastBudgetWarning = '';
  /** Members a recovery left down, checked again after it: their incident's root shows the fresh verdicts. */
  private readonly afterRecovery = new Map<number, { incident: Incident; waiting: Set<number>; down: number[]; back: number[] }>();
  /** The last incident of each scope that resolved (its thread still takes the sender's "resolved"). */
  private readonly lastResolved = new Map<ScopeKey, Incident>();
  /** Member changes of one group window, told as one event (or none, when the window resolves it). */
  private batch: { incident: Incident; down: number[]; back: number[] } | null = null;
  private readonly clientRules: DampingRules;
  private readonly groupRules: DampingRules;

  constructor(
    private readonly settings: NocSettings,
    snapshot: EngineSnapshot,
    /** Whether a scope is silenced now (the store's silences, read by the watcher). */
    private readonly silenced: (scope: ScopeKey, now: number) => boolean = () => false,
  ) {
    this.tracks = snapshot.tracks;
    for (const i of snapshot.incidents) if (i.state !== 'resolved') this.open.set(i.scope, i);
    this.nextId = snapshot.nextIncidentId;
    this.clientRules = { downAfter: settings.downAfter, upAfter: settings.upAfter, flapWindowMs: settings.flapWindowMs, flapChanges: settings.flapChanges };
    // A group's window of checks is its own confirmation: one window down is down.
    this.groupRules = { downAfter: 1, upAfter: 1, flapWindowMs: settings.flapWindowMs, flapChanges: settings.flapChanges };
  }

  /** The damped state of a client or group (`client:1001`, `router:3`). */
  tracker(key: string): Tracker | null {
    return this.tracks.get(key)?.tracker ?? null;
  }

  clientTrack(serviceId: number): ClientTrack | null {
    const t = this.tracks.get(`client:${serviceId}`);
    return t?.kind === 'client' ? t : null;
  }

  groupIsDown(group: GroupKey): boolean {
    return this.tracks.get(group)?.tracker.status === 'down';
  }

  openIncidents(): Incident[] {
    return [...this.open.values()];
  }

  incident(scope: ScopeKey): Incident | null {
    return this.open.get(scope) ?? null;
  }

  /** One finished check of a client. */
  clientVerdict(c: ClientFacts, verdict: Verdict, health: Health, now: number, opts: { inWindow?: boolean } = {}): Followup {
    const key = `client:${c.serviceId}`;
    const prev = this.clientTrack(c.serviceId) ?? { kind: 'client' as const, tracker: NEW_TRACKER, lastVerdict: null, orphan: false };
    const step = observe(prev.tracker, c.onHold ? 'unknown' : health, now, this.clientRules);
    const track: ClientTrack = { ...prev, tracker: step.tracker, lastVerdict: health === 'unknown' ? prev.lastVerdict : verdict };
    if (health === 'down' && prev.tracker.lastHealth !== 'down') track.downSince = now;
    if (health === 'up') track.downSince = null;
    const groupDown = c.group !== null && c.inWatchedGroup && this.groupIsDown(c.group);
    const groupIncident = c.group ? this.open.get(c.group) : undefined;
    this.checkedAfterRecovery(c, verdict, health, now);
    // A verdict that belongs to a group window is told with that window, as one change.
    if (groupIncident && !opts.inWindow) this.updateMember(groupIncident, c, verdict, health, now);

    if (step.changed === 'went_up') this.resolve(`client:${c.serviceId}`, now);
    if (health === 'up') track.orphan = false;
    const t = step.tracker;
    // An orphan (left down by its router's recovery) needs `downAfter` fresh downs of its own.
    const orphanDown = prev.orphan && health === 'down' && t.downStreak >= this.settings.downAfter;
    if ((step.changed === 'went_down' && c.explicit) || orphanDown) {
      if (!c.onHold && !groupIncident && !this.open.has(`client:${c.serviceId}`)) {
        this.openIncident(`client:${c.serviceId}`, c.group, clientLabel(c), now, [member(c, verdict, health, now)], []);
      }
      if (orphanDown) track.orphan = false;
    }
    if (step.startedFlapping && !this.silenced(key as ScopeKey, now)) {
      this.emit({ kind: 'flapping', scope: key as ScopeKey, label: clientLabel(c), changes: step.tracker.changes.length, windowMs: this.settings.flapWindowMs, at: now });
    }
    this.setTrack(key, track);

    const pendingChange = (health === 'down' && t.status === 'up') || (health === 'up' && t.status === 'down') || (track.orphan && health === 'down');
    const groupUp = c.group !== null && c.inWatchedGroup && !groupDown;
    return {
      quickRecheck: !c.onHold && !groupDown && pendingChange,
      confirmGroup: !c.onHold && c.inWatchedGroup && c.group !== null && ((groupUp && health === 'down') || (groupDown && health === 'up')),
    };
  }

  /**
   * One window of checks of a group (a sample that disagreed plus its confirmations).
   * Returns the clients to check again soon (left down when the group recovered).
   */
  groupWindow(
    group: GroupKey,
    label: string,
    checked: readonly { facts: ClientFacts; verdict: Verdict; health: Health }[],
    available: number,
    now: number,
    /** Said on the incident if it opens (billing holds left out, ...). */
    notes: readonly string[] = [],
    /** An alert storm's clients not checked in this window: listed in the incident if it opens. */
    fold: AlertFold | null = null,
  ): number[] {
    const result = rollup(
      checked.map((x) => (x.facts.onHold ? 'unknown' : x.health)),
      this.settings,
      available,
    );
    let stillDown: number[] = [];
    if (result !== 'inconclusive') {
      const prev = this.tracks.get(group);
      const step = observe(prev?.tracker ?? NEW_TRACKER, result, now, this.groupRules);
      this.setTrack(group, { kind: 'group', tracker: step.tracker });
      if (step.startedFlapping && !this.silenced(group, now)) {
        this.emit({ kind: 'flapping', scope: group, label, changes: step.tracker.changes.length, windowMs: this.settings.flapWindowMs, at: now });
      }
      if (step.changed === 'went_down' && !this.open.has(group)) {
        const members = checked.map((x) => member(x.facts, x.verdict, x.health, now));
        const folded = [...this.open.values()].filter((i) => i.group === group && i.scope.startsWith('client:'));
        // Members of the client incidents it swallows carry on in the router's incident.
        for (const own of folded) for (const m of own.members) if (!members.some((x) => x.serviceId === m.serviceId)) members.push(m);
        for (const m of fold?.members ?? []) if (!members.some((x) => x.serviceId === m.serviceId)) members.push(m);
        this.openIncident(group, null, label, now, members, fold ? [...notes, fold.note] : [...notes], fold?.by ?? null);
        for (const own of folded) {
          // Folded into the router's incident: no separate alert.
          this.open.delete(own.scope);
          own.state = 'resolved';
          own.resolvedAt = now;
          own.nextReminderAt = null;
          own.notes = [...own.notes, `folded into incident #${this.open.get(group)?.id ?? '?'}`];
          this.markDirty(own);
        }
        return [];
      }
      if (step.changed === 'went_up') stillDown = this.recover(group, checked, now);
    }
    // Otherwise: one event for what this window changed in the members of an incident still open.
    const incident = this.open.get(group);
    if (incident) {
      this.batch = { incident, down: [], back: [] };
      for (const x of checked) this.updateMember(incident, x.facts, x.verdict, x.health, now);
      const { down, back } = this.batch;
      this.batch = null;
      if ((down.length > 0 || back.length > 0) && incident.alerted && !this.silenced(group, now)) {
        this.emit({ kind: 'members_changed', incident: snapshot(incident), down, back, at: now });
      }
    }
    return stillDown;
  }

  /** A member left down by its incident's recovery, checked again: once all are, the resolved root is redrawn with what they say. */
  private checkedAfterRecovery(c: ClientFacts, verdict: Verdict, health: Health, now: number): void {
    if (health === 'unknown') return;
    for (const [id, r] of this.afterRecovery) {
      if (!r.waiting.delete(c.serviceId)) continue;
      this.upsertMember(r.incident, member(c, verdict, health, now));
      (health === 'down' ? r.down : r.back).push(c.serviceId);
      this.markDirty(r.incident);
      if (r.waiting.size > 0) continue;
      this.afterRecovery.delete(id);
      if (r.incident.alerted) this.emit({ kind: 'members_changed', incident: snapshot(r.incident), down: r.down, back: r.back, at: now });
    }
  }

  /** The group answers again: its incident ends, members last seen down are checked afresh. */
  private recover(group: GroupKey, checked: readonly { facts: ClientFacts; verdict: Verdict; health: Health }[], now: number): number[] {
    const incident = this.open.get(group);
    if (!incident) return [];
    for (const x of checked) if (x.health !== 'unknown') this.upsertMember(incident, member(x.facts, x.verdict, x.health, now));
    const stillDown: number[] = [];
    for (const m of incident.members) {
      if (m.health !== 'down') continue;
      const t = this.clientTrack(m.serviceId) ?? { kind: 'client' as const, tracker: NEW_TRACKER, lastVerdict: m.verdict, orphan: false };
      // Down since before the outage (a line that was already dead): not the outage's to hand over.
      if (t.downSince != null && t.downSince < incident.openedAt - this.settings.intervalMs) continue;
      // Last seen down and not rechecked in this window: fresh verdicts decide (down
      // `downAfter` times and it becomes its own incident).
      this.setTrack(`client:${m.serviceId}`, { ...t, tracker: restartStreaks(t.tracker), orphan: true });
      stillDown.push(m.serviceId);
    }
    this.markDirty(incident);
    if (!incident.notes.some((n) => n.startsWith('WispHub falla_general'))) this.resolve(group, now);
    if (incident.state === 'resolved' && stillDown.length > 0) {
      this.afterRecovery.set(incident.id, { incident, waiting: new Set(stillDown), down: [], back: [] });
      // Bounded: a recheck that never comes must not keep incidents in memory for ever.
      if (this.afterRecovery.size > 100) this.afterRecovery.delete(this.afterRecovery.keys().next().value as number);
    }
    return stillDown;
  }

  /** WispHub's falla_general flag on a router, read for free from the client list. */
  generalFault(group: GroupKey, label: string, description: string | null, now: number): void {
    const note = `WispHub falla_general${description ? `: ${description}` : ''}`;
    const incident = this.open.get(group);
    if (description !== null) {
      if (!incident) this.openIncident(group, null, label, now, [], [note]);
      else if (!incident.notes.includes(note)) {
        incident.notes = [...incident.notes.filter((n) => !n.startsWith('WispHub falla_general')), note];
        this.markDirty(incident);
        if (incident.alerted && !this.silenced(group, now)) this.emit({ kind: 'members_changed', incident: snapshot(incident), down: [], back: [], at: now });
      }
      return;
    }
    if (!incident || !incident.notes.some((n) => n.startsWith('WispHub falla_general'))) return;
    incident.notes = incident.notes.filter((n) => !n.startsWith('WispHub falla_general'));
    this.markDirty(incident);
    // Opened by the flag alone, and our own checks do not say it is down: the flag's end is the recovery.
    if (!this.groupIsDown(group)) this.resolve(group, now);
  }

  /** Its scope is no longer watched: the incident ends (no check would ever end it). */
  closeUnwatched(scope: ScopeKey, now: number): void {
    const incident = this.open.get(scope);
    if (!incident) return;
    incident.notes = [...incident.notes, 'closed: no longer watched'];
    this.resolve(scope, now);
  }

  /**
   * Another system reported a client (alert intake) and we checked it afresh. Firing and down:
   * two voices agree, so the client's own incident opens at once (or it joins its router's or
   * zone's open incident); firing and answering: one short note. Resolved: a reply in its
   * incident's thread, and when the line answers, its own incident ends.
   */
  report(
    c: ClientFacts,
    alert: ExternalAlert,
    verdict: Verdict,
    health: Health,
    now: number,
    /** Given: a note this report would post is kept here instead (the notification's summary). */
    held: HeldNote[] | null = null,
  ): ReportOutcome {
    const scope: ScopeKey = `client:${c.serviceId}`;
    const groupIncident = c.group ? (this.open.get(c.group) ?? null) : null;
    const wasDownInGroup = groupIncident?.members.some((m) => m.serviceId === c.serviceId && m.health === 'down') ?? false;
    const ownBefore = this.open.get(scope) ?? null;
    const report: IntakeReport = { source: alert.source, title: alert.title, reason: alert.reason ?? null, serviceId: c.serviceId, label: clientLabel(c), verdict, lossPct: alert.lossPct, rttMs: alert.rttMs, at: now };
    const quiet = this.silenced(scope, now) || (c.group !== null && this.silenced(c.group, now));
    if (alert.status === 'resolved') {
      const incident = ownBefore ?? (groupIncident && groupIncident.members.some((m) => m.serviceId === c.serviceId) ? groupIncident : null);
      if (incident?.alerted) this.emit({ kind: 'intake_resolved', incident: snapshot(incident), ...report });
      if (groupIncident) this.updateMember(groupIncident, c, verdict, health, now);
      this.clientVerdict(c, verdict, health, now, { inWindow: true });
      // The sender and our check agree the line is back: its own incident ends now.
      if (health === 'up' && this.open.has(scope)) {
        const t = this.clientTrack(c.serviceId);
        if (t) this.setTrack(scope, { ...t, tracker: { ...t.tracker, status: 'up', downStreak: 0, upStreak: Math.max(t.tracker.upStreak, this.settings.upAfter) } });
        this.resolve(scope, now);
      }
      return incident ? 'posted' : 'no_incident';
    }
    if (groupIncident) this.updateMember(groupIncident, c, verdict, health, now);
    if (health !== 'down' || c.onHold) {
      if (health !== 'unknown' && !c.onHold) this.clientVerdict(c, verdict, health, now, { inWindow: true });
      if (quiet) return 'silenced';
      const why: HeldNote['why'] = c.onHold ? 'on_hold' : health === 'up' ? 'answers' : 'unknown';
      const note = { kind: 'intake_note' as const, why, channel: alert.channel, ...report };
      if (held) held.push({ why, serviceId: c.serviceId, group: c.group, groupLabel: c.groupLabel, note });
      else this.emit(note);
      return 'noted';
    }
    this.clientVerdict(c, verdict, health, now, { inWindow: true });
    if (groupIncident) return wasDownInGroup ? 'already' : 'joined';
    if (ownBefore) return 'already';
    if (this.open.has(scope)) return 'opened';
    // A silence on the client or its router (maintenance) holds back what other systems report too.
    if (quiet) return 'silenced';
    // Our check confirms the sender's alert: down now, no second check needed.
    const t = this.clientTrack(c.serviceId) ?? { kind: 'client' as const, tracker: NEW_TRACKER, lastVerdict: verdict, orphan: false };
    if (t.tracker.status !== 'down') {
      this.setTrack(scope, { ...t, tracker: { ...t.tracker, status: 'down', upStreak: 0, downStreak: Math.max(t.tracker.downStreak, this.settings.downAfter), changes: [...t.tracker.changes, now] } });
    }
    if (!this.open.has(scope)) {
      const by = `${alert.source}${alert.title ? `: ${alert.title}` : ''}`;
      this.openIncident(scope, c.group, clientLabel(c), now, [member(c, verdict, health, now)], [`reported by ${by}${alert.reason ? ` (${alert.reason})` : ''}`], by);
      return 'opened';
    }
    return 'already';
  }

  /**
   * The notes one notification held back (lines that answer, or could not be told): one note
   * as before when there is one, else one summary, counted per router against `alerting`
   * (how many lines of each router the notification alerted on; key '' for no router).
   */
  intakeSummary(held: readonly HeldNote[], alerting: ReadonlyMap<string, { label: string | null; count: number }>, now: number): void {
    const [only] = held;
    if (!only) return;
    if (held.length === 1) {
      this.emit({ ...only.note, at: now });
      return;
    }
    const groups = new Map<string, IntakeSummaryGroup>();
    for (const h of held) {
      const key = h.group ?? '';
      const g = groups.get(key) ?? { label: alerting.get(key)?.label ?? h.groupLabel, alerting: alerting.get(key)?.count ?? 0, answer: 0, premises: 0, unknown: 0, onHold: 0 };
      if (h.why === 'answers' && h.note.verdict === 'antenna_only') g.premises++;
      else if (h.why === 'answers') g.answer++;
      else if (h.why === 'unknown') g.unknown++;
      else g.onHold++;
      g.alerting = Math.max(g.alerting, g.answer + g.premises + g.unknown + g.onHold);
      groups.set(key, g);
    }
    // Most lines first: the router with most false alarms is what the sender's rule gets wrong.
    const lines = (g: IntakeSummaryGroup) => g.answer + g.premises + g.unknown + g.onHold;
    const sorted = [...groups.values()].sort((a, b) => lines(b) - lines(a) || (a.label ?? '').localeCompare(b.label ?? ''));
    // The alert's name when they share one (an Alertmanager rule), not one monitor's of many.
    const title = held.every((h) => h.note.title === only.note.title) ? only.note.title : null;
    this.emit({ kind: 'intake_summary', source: only.note.source, title, channel: only.note.channel, groups: sorted, at: now });
  }

  /**
   * An alert storm on a router whose incident is already open: its alerting clients are listed
   * in it (no check each) and followed through it. Returns whether the incident took them.
   */
  foldIntoIncident(group: GroupKey, fold: AlertFold, now: number): boolean {
    const incident = this.open.get(group);
    if (!incident) return false;
    let added = 0;
    for (const m of fold.members) {
      if (incident.members.some((x) => x.serviceId === m.serviceId)) continue;
      this.upsertMember(incident, m);
      added++;
    }
    const notes = incident.notes.filter((n) => n !== fold.note);
    incident.notes = [...notes, fold.note];
    incident.reportedBy ??= fold.by;
    this.markDirty(incident);
    if (added > 0 && incident.alerted && !this.silenced(group, now)) this.emit({ kind: 'members_changed', incident: snapshot(incident), down: [], back: [], at: now });
    return true;
  }

  /** The alerts of a router were resolved by their sender: what the re-check found, in its thread. */
  groupResolved(group: GroupKey, r: { source: string; title: string | null; alerts: number; checked: number; answer: number }, now: number): void {
    const incident = this.open.get(group) ?? this.recentlyResolved(group, now);
    if (!incident?.alerted) return;
    this.emit({ kind: 'intake_group_resolved', incident: snapshot(incident), ...r, at: now });
  }

  /** The incident of `scope` resolved within the last minute (a sender's "resolved" arriving with our recovery). */
  private recentlyResolved(scope: ScopeKey, now: number): Incident | null {
    const i = this.lastResolved.get(scope);
    return i && i.resolvedAt !== null && now - i.resolvedAt <= 60_000 ? i : null;
  }

  /** An alert named a client we cannot find: one note, so a misconfigured sender is noticed. */
  unmatched(alert: ExternalAlert, target: string, problem: string, now: number): void {
    if (this.silenced('all' as ScopeKey, now)) return;
    this.emit({ kind: 'intake_note', why: 'no_client', channel: alert.channel, problem, source: alert.source, title: alert.title, reason: alert.reason ?? null, serviceId: null, label: target, verdict: null, lossPct: null, rttMs: null, at: now });
  }

  /** Someone took the incident: reminders stop. */
  ack(incidentId: number, by: string, now: number): Incident | null {
    const incident = [...this.open.values()].find((i) => i.id === incidentId);
    if (!incident || incident.state !== 'open') return incident ?? null;
    incident.state = 'acked';
    incident.ackedBy = by;
    incident.ackedAt = now;
    incident.nextReminderAt = null;
    this.markDirty(incident);
    if (incident.alerted) this.emit({ kind: 'acked', incident: snapshot(incident), by, at: now });
    return incident;
  }

  /** Time passes: reminders, alerts held back by a silence or flapping, flapping that settled. */
  tick(now: number): void {
    for (const [key, t] of this.tracks) {
      if (hasSettled(t.tracker, now, this.clientRules)) this.setTrack(key, { ...t, tracker: { ...t.tracker, flapping: false } });
    }
    for (const incident of this.open.values()) {
      if (!incident.alerted) {
        if (!this.quiet(incident.scope, now)) {
          incident.alerted = true;
          incident.nextReminderAt = now + this.settings.repeatMs;
          this.markDirty(incident);
          this.emit({ kind: 'opened', incident: snapshot(incident), at: now });
        }
        continue;
      }
      if (incident.state === 'open' && incident.nextReminderAt !== null && incident.nextReminderAt <= now) {
        incident.nextReminderAt = now + this.settings.repeatMs;
        this.markDirty(incident);
        if (!this.silenced(incident.scope, now)) this.emit({ kind: 'reminder', incident: snapshot(incident), at: now });
      }
    }
  }

  /** The plan cannot honour some entries: say so once per change of what is stretched. */
  budgetWarning(stretched: readonly string[], message: string, now: number): void {
    const key = stretched.join('\n');
    if (key === this.lastBudgetWarning) return;
    this.lastBudgetWarning = key;
    if (stretched.length > 0) this.emit({ kind: 'budget_warning', message, stretched: [...stretched], at: now });
  }

  /** Everything changed since the last drain, for the store (one transaction) and the outbox. */
  drain(): Drained {
    const tracks = new Map<string, Track>();
    for (const k of this.dirtyTracks) {
      const t = this.tracks.get(k);
      if (t) tracks.set(k, t);
    }
    const out: Drained = { tracks, incidents: [...this.dirtyIncidents.values()].map(snapshot), events: this.events };
    this.dirtyTracks = new Set();
    this.dirtyIncidents = new Map();
    this.events = [];
    return out;
  }

  private quiet(scope: ScopeKey, now: number): boolean {
    return this.silenced(scope, now) || Boolean(this.tracks.get(scope)?.tracker.flapping);
  }

  private openIncident(scope: ScopeKey, group: GroupKey | null, label: string, now: number, members: Member[], notes: string[], reportedBy: string | null = null): void {
    const incident: Incident = {
      id: this.nextId++,
      scope,
      group,
      label,
      state: 'open',
      openedAt: now,
      ackedBy: null,
      ackedAt: null,
      resolvedAt: null,
      nextReminderAt: null,
      alerted: false,
      members: members.slice(0, MAX_MEMBERS),
      notes,
      ...(reportedBy ? { reportedBy } : {}),
    };
    this.open.set(scope, incident);
    if (!this.quiet(scope, now)) {
      incident.alerted = true;
      incident.nextReminderAt = now + this.settings.repeatMs;
      this.emit({ kind: 'opened', incident: snapshot(incident), at: now });
    }
    this.markDirty(incident);
  }

  private resolve(scope: ScopeKey, now: number): void {
    const incident = this.open.get(scope);
    if (!incident) return;
    this.open.delete(scope);
    incident.state = 'resolved';
    incident.resolvedAt = now;
    incident.nextReminderAt = null;
    this.markDirty(incident);
    this.lastResolved.set(scope, incident);
    if (this.lastResolved.size > 500) this.lastResolved.delete(this.lastResolved.keys().next().value as ScopeKey);
    // A silence holds back new alerts, never the recovery of one already sent.
    if (incident.alerted) this.emit({ kind: 'resolved', incident: snapshot(incident), durationMs: now - incident.openedAt, at: now });
  }

  private updateMember(incident: Incident, c: ClientFacts, verdict: Verdict, health: Health, now: number): void {
    if (health === 'unknown') return;
    const before = incident.members.find((m) => m.serviceId === c.serviceId);
    this.upsertMember(incident, member(c, verdict, health, now));
    this.markDirty(incident);
    const wasDown = before?.health === 'down';
    if (wasDown === (health === 'down')) return;
    if (!before && health !== 'down') return;
    if (this.batch && this.batch.incident === incident) {
      (health === 'down' ? this.batch.down : this.batch.back).push(c.serviceId);
      return;
    }
    if (incident.alerted && !this.silenced(incident.scope, now)) {
      this.emit({
        kind: 'members_changed',
        incident: snapshot(incident),
        down: health === 'down' ? [c.serviceId] : [],
        back: health === 'down' ? [] : [c.serviceId],
        at: now,
      });
    }
  }

  private upsertMember(incident: Incident, m: Member): void {
    const i = incident.members.findIndex((x) => x.serviceId === m.serviceId);
    if (i >= 0) incident.members[i] = m;
    else if (incident.members.length < MAX_MEMBERS) incident.members.push(m);
  }

  private setTrack(key: string, t: Track): void {
    this.tracks.set(key, t);
    this.dirtyTracks.add(key);
  }

  private markDirty(incident: Incident): void {
    this.dirtyIncidents.set(incident.id, incident);
  }

  private emit(e: NocEvent): void {
    this.events.push(e);
  }
}

function member(c: ClientFacts, verdict: Verdict, health: Health, now: number): Member {
  return { serviceId: c.serviceId, name: c.name, verdict, health, at: now };
}

function clientLabel(c: Pick<ClientFacts, 'serviceId' | 'name'>): string {
  return `client-${c.serviceId} ${c.name}`.trim();
}

/** A copy, so an event keeps the incident as it was when the event happened. */
export function snapshot(i: Incident): Incident {
  return { ...i, members: i.members.map((m) => ({ ...m })), notes: [...i.notes] };
}
