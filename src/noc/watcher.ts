/**
 * The NOC watcher: sweeps the watch list in rounds inside its share of the request budget,
 * feeds verdicts to the engine, persists what changed and kicks the outbox. Checks run at
 * `background` priority through the core service, so people pinging always go first; this
 * module paces its own starts so it never uses more than NOC_BUDGET_PCT of the rate.
 */
import { bareClientRecord, type ClientRecord } from '../core/client.js';
import type { DoneState } from '../core/check-state.js';
import type { PingChecker } from '../core/ping-service.types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { healthOf, onBillingHold } from './classify.js';
import { NocEngine, snapshot, type AlertFold, type ClientFacts, type Drained, type ExternalAlert, type HeldNote, type ReportOutcome } from './engine.js';
import type { Outbox } from './outbox.js';
import { planRound, type Plan } from './planner.js';
import { pickSample } from './sampler.js';
import { planStorm, reporterOf, stormSampleSize, type StormFold, type StormItem } from './storm.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { covers, type LeaseHolder, type NocStore } from './store.js';
import { groupOf, type ClientInventory, type GroupKey, type Health, type Incident, type NocSettings, type ScopeKey, type Silence, type WatchEntry } from './types.js';
import type { Verdict } from '../core/verdict.js';

export interface WatcherDeps {
  checker: PingChecker;
  inventory: ClientInventory;
  store: NocStore;
  outbox: Outbox | null;
  clock: Clock;
  logger: Logger;
  settings: NocSettings;
  /** PING_API_RATE_PER_MIN; the watcher uses NOC_BUDGET_PCT of it. */
  ratePerMin: number;
  /** Told of every check the watcher finished (metrics, the live view). */
  onCheck?: (done: DoneState, why: JobWhy) => void;
  /** Told after every round starts (the live view). */
  onRound?: (status: WatcherStatus) => void;
  /** Who this watcher says it is in the store's lease (default: this process on this host). */
  leaseHolder?: LeaseHolder;
  /** A client's card by service id (the directory): clients another system reported, after a restart. */
  lookupClient?: (serviceId: number, signal: AbortSignal) => Promise<ClientRecord | null>;
}

export type JobWhy = 'sample' | 'client' | 'follow' | 'confirm' | 'quick' | 'recheck' | 'intake';

interface Job {
  serviceId: number;
  why: JobWhy;
  burst?: Burst;
  /** An alert's check (intake): its verdict goes back to the notification, not to the round. */
  answer?: (done: DoneState | null) => void;
}

/** One client an alert of a notification names, as the intake hands it over. */
export interface IntakeItem {
  serviceId: number;
  client: ClientRecord | null;
  alert: ExternalAlert;
}

interface Burst {
  group: GroupKey;
  pending: number;
  results: { facts: ClientFacts; verdict: Verdict; health: Health }[];
}

interface GroupInfo {
  key: GroupKey;
  label: string;
  clients: ClientRecord[];
  /** Active and not on a billing hold: who may be sampled. */
  candidates: number[];
  generalFault: string | null;
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

export interface Watcher {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): WatcherStatus;
  /** Someone took an incident (the next issue's button): reminders stop. */
  ack(incidentId: number, by: string): Promise<Incident | null>;
  /**
   * Someone silenced an open incident's scope from chat until `until`: in force at once (and in
   * the store for later rounds), told in its thread through the outbox. Null when it is not open.
   */
  silenceIncident(incidentId: number, by: string, until: number): Promise<Incident | null>;
  /**
   * Another system reported a client (alert intake) and we checked it afresh: opens or joins
   * its incident, or notes that the line answers. Throws when the watcher is not running.
   */
  report(r: { serviceId: number; client: ClientRecord | null; alert: ExternalAlert; done: DoneState }): Promise<ReportOutcome>;
  /**
   * The alerts of one notification (alert intake): checked within the NOC's share of the budget,
   * a router with several alerting clients as one sample and one incident, lines that answer in
   * one note. Resolves with each item's outcome once every check it needed ended; throws when
   * the watcher stops first (the alerts stay in the store for the next start).
   */
  intake(items: readonly IntakeItem[], signal?: AbortSignal): Promise<ReportOutcome[]>;
  /** A firing alert named no client we can find: one note, so the sender's setup gets fixed. */
  unmatched(r: { alert: ExternalAlert; target: string; problem: string }): Promise<void>;
}

/** The one-watcher lease: held this long, renewed well before it runs out. */
const LEASE_TTL_MS = 60_000;
const LEASE_RENEW_MS = 15_000;
/** The status other processes read is saved at every round and at least this often. */
const STATUS_EVERY_MS = 5_000;

/** Another watcher runs on this store (the bot, or `pingops noc`). */
export class WatcherBusyError extends Error {
  override name = 'WatcherBusyError';
  constructor(readonly holder: LeaseHolder) {
    super(`another pingops watcher runs on this store (pid ${holder.pid} on ${holder.host})`);
  }
}

/** A holder on this machine whose process is gone (or this very process, restarting its watcher). */
function staleHolder(h: LeaseHolder): boolean {
  if (h.host !== hostname()) return false;
  if (h.pid === process.pid) return true;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Confirmations and rechecks waiting beyond this are dropped (logged): a round re-covers them. */
const MAX_PRIORITY_QUEUE = 1000;
/** At most this many checks of the watcher in flight at once. */
const MAX_IN_FLIGHT = 16;
/** Time passes even with nothing to check: reminders, silences ending, flapping settling. */
const TICK_MS = 1000;
/** Clients followed after a change (flap tracking) take at most this share of a round. */
const FOLLOW_SHARE = 0.25;

export function createWatcher(deps: WatcherDeps): Watcher {
  const { clock, settings, store } = deps;
  const log = deps.logger.child({ component: 'noc' });
  const budgetPerMin = (deps.ratePerMin * settings.budgetPct) / 100;
  let engine: NocEngine | null = null;
  let silences: Silence[] = [];
  let watches: WatchEntry[] = [];
  let clients = new Map<number, ClientRecord>();
  let groups = new Map<GroupKey, GroupInfo>();
  let explicit = new Set<number>();
  let inGroups = new Set<number>();
  let plan: Plan = planRound({ groups: 0, groupClients: 0, groupWord: 'routers', singleClients: 0, followed: 0, ungrouped: 0, entries: [], sample: settings.sample, budgetPerMin, costPerCheck: 3, roundMinMs: settings.roundMinMs });
  let costPerCheck = 3;
  let round = 0;
  let roundStartedAt: number | null = null;
  let lastRoundMs: number | null = null;
  let nextRoundAt = clock.now();
  let nextStartAt = clock.now();
  const priority: Job[] = [];
  /** Alerts' checks: after confirmations, before the round; never dropped (the intake store bounds them). */
  const intakeJobs: Job[] = [];
  let roundJobs: Job[] = [];
  const delayed: { at: number; job: Job }[] = [];
  const bursts = new Map<GroupKey, Burst>();
  /** Clients reported by another system (alert intake), kept while their incident is open. */
  const reported = new Map<number, ClientRecord>();
  const requestTimes: number[] = [];
  let inFlight = 0;
  const checksInFlight = new Set<Promise<void>>();
  let stopped = false;
  const stopper = new AbortController();
  let wake: AbortController | null = null;
  let loopDone: Promise<void> | null = null;
  let persisting: Promise<unknown> = Promise.resolve();

  const lease: LeaseHolder = deps.leaseHolder ?? { id: randomUUID(), pid: process.pid, host: hostname() };
  let leaseRenewedAt = 0;
  const renewLease = async (now: number) => {
    const got = await store.claimLease(lease, now, LEASE_TTL_MS, staleHolder);
    if (!got.ok) throw new WatcherBusyError(got.holder);
    leaseRenewedAt = now;
  };

  let metaSavedAt = 0;
  /** For `pingops noc status` and a read-only live view in another process. */
  const saveStatus = (now: number) => {
    metaSavedAt = now;
    void store.setMeta('status', statusNow()).catch((err: unknown) => log.warn({ err }, 'could not save the watcher status'));
  };

  const isSilenced = (scope: ScopeKey, now: number) => silences.some((s) => s.until > now && covers(s, scope));
  const poke = () => wake?.abort();

  /** Changes not yet in the store, oldest first: a failed write is tried again, never dropped. */
  const unsaved: Drained[] = [];
  const persist = () => {
    if (!engine) return persisting;
    const drained = engine.drain();
    if (drained.tracks.size > 0 || drained.incidents.length > 0 || drained.events.length > 0) {
      for (const e of drained.events) log.info({ event: e.kind, incident: 'incident' in e ? e.incident.id : undefined, scope: 'incident' in e ? e.incident.scope : 'scope' in e ? e.scope : undefined }, 'noc event');
      unsaved.push(drained);
    }
    if (unsaved.length === 0) return persisting;
    // Serialised: the outbox order is the order things happened.
    persisting = persisting
      .then(async () => {
        while (unsaved.length > 0) {
          const next = unsaved[0];
          if (next) await store.commit(next, clock.now());
          unsaved.shift();
        }
        deps.outbox?.kick();
      })
      .catch((err: unknown) => log.error({ err, waiting: unsaved.length }, 'could not persist NOC state; trying again'));
    return persisting;
  };

  const factsOf = (serviceId: number): ClientFacts | null => {
    const c = clients.get(serviceId);
    if (!c) return null;
    const group = groupOf(c);
    return {
      serviceId,
      name: c.name,
      group,
      groupLabel: group ? (groups.get(group)?.label ?? null) : null,
      explicit: explicit.has(serviceId),
      inWatchedGroup: inGroups.has(serviceId) && group !== null && groups.has(group),
      onHold: onBillingHold(c, today()),
    };
  };

  const today = () => new Date(clock.now()).toISOString().slice(0, 10);

  const lastStable = (serviceId: number) => engine?.clientTrack(serviceId)?.lastVerdict === 'stable';

  const sampleOf = (g: GroupInfo, n: number, exclude: Set<number>) =>
    pickSample(
      g.candidates.map((id) => ({ serviceId: id, tracker: engine?.tracker(`client:${id}`) ?? null, lastStable: lastStable(id) })),
      n,
      exclude,
    );

  const startRound = async () => {
    const now = clock.now();
    if (roundStartedAt !== null) lastRoundMs = now - roundStartedAt;
    roundStartedAt = now;
    round++;
    // Only lists read afresh this round may end incidents as unwatched.
    let fresh = true;
    try {
      watches = await store.listWatches();
      silences = await store.silences(now);
    } catch (err) {
      fresh = false;
      log.error({ err }, 'could not read the watch list; keeping the last one');
    }
    const wantsAll = watches.some((w) => w.kind === 'all');
    const reportedGroups = (engine?.openIncidents() ?? []).filter((i) => i.reportedBy && !i.scope.startsWith('client:'));
    if (watches.length > 0 || reportedGroups.length > 0) {
      try {
        const list = await deps.inventory.list({ signal: stopper.signal });
        clients = new Map(list.map((c) => [c.serviceId, c]));
      } catch (err) {
        fresh = false;
        log.warn({ err }, 'could not read the client list; sweeping the last one');
      }
    }
    const day = today();
    explicit = new Set(watches.filter((w) => w.kind === 'client' && w.ref !== null).map((w) => w.ref as number));
    // Clients another system reported down are followed one by one while their incident is open.
    for (const i of engine?.openIncidents() ?? []) {
      if (!i.reportedBy || !i.scope.startsWith('client:')) continue;
      const id = Number(i.scope.slice('client:'.length));
      let c = clients.get(id) ?? reported.get(id) ?? null;
      if (!c && deps.lookupClient) c = await deps.lookupClient(id, stopper.signal).catch(() => null);
      c ??= bareClientRecord(id, i.members.find((m) => m.serviceId === id)?.name ?? '');
      reported.set(id, c);
      clients.set(id, c);
      explicit.add(id);
    }
    for (const id of reported.keys()) if (!engine?.incident(`client:${id}`)) reported.delete(id);
    inGroups = new Set();
    groups = new Map();
    let ungrouped = 0;
    for (const c of clients.values()) {
      const watched =
        wantsAll || watches.some((w) => (w.kind === 'router' && c.router?.id === w.ref) || (w.kind === 'zone' && c.zoneId === w.ref));
      if (!watched) continue;
      const key = groupOf(c);
      if (!key) {
        ungrouped++;
        continue;
      }
      inGroups.add(c.serviceId);
      let g = groups.get(key);
      if (!g) {
        g = { key, label: groupLabel(c, key), clients: [], candidates: [], generalFault: null };
        groups.set(key, g);
      }
      g.clients.push(c);
      if (!onBillingHold(c, day)) g.candidates.push(c.serviceId);
      if (c.router?.generalFault) g.generalFault = c.router.generalFault;
    }
    // Routers another system reported down (an alert storm) are sampled each round while their
    // incident is open, as if watched, so their recovery is seen.
    for (const i of reportedGroups) {
      const key = i.scope as GroupKey;
      if (groups.has(key)) continue;
      let members = [...clients.values()].filter((c) => groupOf(c) === key);
      if (members.length === 0) members = i.members.map((m) => clients.get(m.serviceId) ?? bareClientRecord(m.serviceId, m.name));
      const g: GroupInfo = { key, label: i.label, clients: members, candidates: [], generalFault: null };
      for (const c of members) {
        clients.set(c.serviceId, c);
        inGroups.add(c.serviceId);
        if (!onBillingHold(c, day)) g.candidates.push(c.serviceId);
      }
      groups.set(key, g);
    }
    const jobs: Job[] = [];
    const queued = new Set<number>();
    const add = (serviceId: number, why: JobWhy) => {
      if (queued.has(serviceId)) return;
      queued.add(serviceId);
      jobs.push({ serviceId, why });
    };
    for (const id of explicit) {
      const c = clients.get(id);
      if (c && !onBillingHold(c, day)) add(id, 'client');
    }
    for (const g of groups.values()) for (const id of sampleOf(g, settings.sample, queued)) add(id, 'sample');
    // Clients that changed lately are followed each round, so flapping is seen, within a share of the round.
    const followCap = Math.max(3, Math.floor(jobs.length * FOLLOW_SHARE));
    let followed = 0;
    for (const id of inGroups) {
      if (followed >= followCap) break;
      if (queued.has(id)) continue;
      const t = engine?.clientTrack(id);
      const c = clients.get(id);
      const group = c ? groupOf(c) : null;
      if (!t || !c || onBillingHold(c, day) || (group && engine?.groupIsDown(group))) continue;
      const recent = t.tracker.changes.some((at) => now - at < settings.flapWindowMs);
      if (!recent && !t.orphan) continue;
      add(id, 'follow');
      followed++;
    }
    const routers = [...groups.keys()].filter((k) => k.startsWith('router:')).length;
    plan = planRound({
      groups: groups.size,
      groupClients: [...groups.values()].reduce((n, g) => n + g.candidates.length, 0),
      groupWord: routers === groups.size ? 'routers' : routers === 0 ? 'zones' : 'routers and zones',
      singleClients: jobs.filter((j) => j.why === 'client').length,
      followed,
      ungrouped,
      entries: watches.map((w) => ({ label: entryLabel(w), intervalMs: w.intervalMs })),
      sample: settings.sample,
      budgetPerMin,
      costPerCheck,
      roundMinMs: Math.min(settings.roundMinMs, ...watches.map((w) => w.intervalMs)),
    });
    roundJobs = jobs;
    nextRoundAt = now + plan.roundMs;
    if (engine) {
      engine.budgetWarning(plan.stretched, `the watch list does not fit in ${Math.round(budgetPerMin)} req/min: ${plan.summary}`, now);
      for (const g of groups.values()) if (g.key.startsWith('router:')) engine.generalFault(g.key, g.label, g.generalFault, now);
      // An incident nobody watches any more would wait for a check that never comes.
      for (const i of fresh ? engine.openIncidents() : []) {
        const id = i.scope.startsWith('client:') ? Number(i.scope.slice('client:'.length)) : null;
        const watched = id === null ? groups.has(i.scope as GroupKey) : explicit.has(id) || inGroups.has(id);
        if (!watched) engine.closeUnwatched(i.scope, now);
      }
    }
    if (round === 1 || round % 30 === 0) log.info({ round, plan: plan.summary, stretched: plan.stretched }, 'noc round');
    await persist();
    saveStatus(now);
    deps.onRound?.(statusNow());
  };

  /** Requests made so far by each check in flight (seen from its states as they happen). */
  const flightRequests = new Map<symbol, number>();

  const runJob = (job: Job) => {
    const facts = factsOf(job.serviceId);
    if (!facts) return;
    inFlight++;
    const flight = Symbol(String(job.serviceId));
    flightRequests.set(flight, 0);
    const spent = () => {
      insertSorted(requestTimes, clock.now());
      flightRequests.set(flight, (flightRequests.get(flight) ?? 0) + 1);
    };
    // Always fresh: a verdict from the result cache would count twice towards the damping.
    const handle = deps.checker.check(job.serviceId, { priority: 'background', signal: stopper.signal, fresh: true });
    const follow = async (): Promise<DoneState> => {
      // Each state tells of the request just made: the task created, a poll answered
      // (the next one is announced), a request that failed and will be retried.
      for await (const state of handle.states) {
        if (state.kind === 'created' || state.kind === 'retrying' || (state.kind === 'polling' && state.attempt > 1)) spent();
        if (state.kind === 'done') {
          if (!state.cached && state.polls > 0) spent();
          return state;
        }
      }
      return handle.done;
    };
    const p = follow()
      .then((done) => (job.answer ? countIntake(done, job.answer) : onDone(job, facts, done)))
      .catch((err: unknown) => {
        job.answer?.(null);
        log.error({ err, serviceId: job.serviceId }, 'noc check failed');
      })
      .finally(() => {
        inFlight--;
        flightRequests.delete(flight);
        checksInFlight.delete(p);
        poke();
      });
    checksInFlight.add(p);
  };

  const countIntake = (done: DoneState, answer: (d: DoneState | null) => void) => {
    if (!done.cached) costPerCheck = costPerCheck * 0.9 + (1 + done.polls) * 0.1;
    deps.onCheck?.(done, 'intake');
    answer(stopped ? null : done);
  };

  const onDone = async (job: Job, facts: ClientFacts, done: DoneState) => {
    if (stopped || !engine) return;
    const now = clock.now();
    if (!done.cached) costPerCheck = costPerCheck * 0.9 + (1 + done.polls) * 0.1;
    deps.onCheck?.(done, job.why);
    const health = healthOf(done);
    const group = facts.group;
    const groupIncidentOpen = group !== null && facts.inWatchedGroup && engine.incident(group) !== null;
    const inWindow = Boolean(job.burst) || groupIncidentOpen;
    const follow = engine.clientVerdict(facts, done.verdict, health, now, { inWindow });
    const result = { facts, verdict: done.verdict, health };
    if (job.burst) {
      job.burst.results.push(result);
      job.burst.pending--;
      if (job.burst.pending === 0) finishBurst(job.burst, now);
    } else if (follow.confirmGroup && group && !bursts.has(group)) {
      const g = groups.get(group);
      const more = g ? sampleOf(g, settings.confirm, new Set([facts.serviceId])) : [];
      const burst: Burst = { group, pending: more.length, results: [result] };
      if (more.length === 0) finishBurst(burst, now);
      else {
        bursts.set(group, burst);
        // Confirmations go before the round: "at once", within the pace.
        priority.unshift(...more.map((serviceId) => ({ serviceId, why: 'confirm' as const, burst })));
        trimPriority();
      }
    } else if (groupIncidentOpen && group) {
      engine.groupWindow(group, groups.get(group)?.label ?? group, [result], groups.get(group)?.candidates.length ?? 0, now);
    }
    if (follow.quickRecheck && !delayed.some((d) => d.job.serviceId === facts.serviceId)) {
      delayed.push({ at: now + settings.quickConfirmMs, job: { serviceId: facts.serviceId, why: 'quick' } });
    }
    await persist();
  };

  const finishBurst = (burst: Burst, now: number) => {
    bursts.delete(burst.group);
    if (!engine) return;
    const g = groups.get(burst.group);
    const holds = g ? g.clients.length - g.candidates.length : 0;
    const notes = holds > 0 ? [`${holds} client${holds === 1 ? '' : 's'} on a billing hold, not counted`] : [];
    const again = engine.groupWindow(burst.group, g?.label ?? burst.group, burst.results, g?.candidates.length ?? burst.results.length, now, notes);
    for (const serviceId of again) priority.push({ serviceId, why: 'recheck' });
    trimPriority();
  };

  const trimPriority = () => {
    if (priority.length <= MAX_PRIORITY_QUEUE) return;
    const dropped = priority.splice(MAX_PRIORITY_QUEUE);
    // A dropped confirmation must not leave its window waiting forever.
    for (const j of dropped) if (j.burst && --j.burst.pending === 0) finishBurst(j.burst, clock.now());
    log.warn({ dropped: dropped.length }, 'too many confirmations queued; dropped the newest (the next rounds cover them)');
  };

  /**
   * Pacing spreads checks evenly, but a check's polls vary: this keeps any 60 s window within
   * the share, counting what finished checks spent and what the ones in flight will likely spend.
   * Returns when a start would fit again, or null when it fits now.
   */
  const budgetWindowFullUntil = (now: number): number | null => {
    while (requestTimes.length > 0 && (requestTimes[0] ?? 0) <= now - 60_000) requestTimes.shift();
    // What the checks in flight will still ask for (at least one poll each), plus a new check.
    let ahead = 0;
    for (const made of flightRequests.values()) ahead += Math.max(1, Math.ceil(costPerCheck + 0.5) - made);
    const expected = requestTimes.length + ahead + Math.ceil(costPerCheck + 0.5);
    // Two requests of headroom: now and then a task outlives the likely window and needs
    // another poll or two (measured: with one, a minute now and then reached 51 of 50).
    const limit = budgetPerMin - 2;
    if (expected <= limit) return null;
    const excess = Math.ceil(expected - limit);
    const at = requestTimes[Math.min(requestTimes.length - 1, excess - 1)];
    return at === undefined ? now + 1000 : at + 60_000;
  };

  const statusNow = (): WatcherStatus => {
    const now = clock.now();
    while (requestTimes.length > 0 && (requestTimes[0] ?? 0) <= now - 60_000) requestTimes.shift();
    return {
      at: now,
      summary: plan.summary,
      stretched: plan.stretched,
      round,
      roundStartedAt,
      lastRoundMs,
      plannedRoundMs: plan.roundMs,
      budgetPerMin,
      requestsLastMinute: requestTimes.length,
      costPerCheck: Math.round(costPerCheck * 100) / 100,
      groups: [...groups.values()].map((g) => ({ key: g.key, label: g.label, clients: g.clients.length, candidates: g.candidates.length, down: engine?.groupIsDown(g.key) ?? false })),
      single: [...explicit].map((id) => {
        const c = clients.get(id);
        const t = engine?.tracker(`client:${id}`);
        const status = c && onBillingHold(c, today()) ? 'on_hold' : (t?.status ?? 'unknown');
        return { serviceId: id, name: c?.name ?? '?', status: t || status === 'on_hold' ? status : 'unknown' };
      }),
      watches,
      open: engine?.openIncidents() ?? [],
      silences,
    };
  };

  /** A client an alert names, known to the watcher from now on (its card, or a bare one). */
  const adopt = (serviceId: number, client: ClientRecord | null): ClientRecord => {
    const known = clients.get(serviceId);
    const record = known ?? client ?? bareClientRecord(serviceId, '');
    if (!known) clients.set(serviceId, record);
    return record;
  };

  /** One alert's client checked afresh: the engine opens, joins or notes (held for the summary when `held` is given). */
  const reportOne = (r: { serviceId: number; client: ClientRecord | null; alert: ExternalAlert; done: DoneState }, held: HeldNote[] | null): ReportOutcome => {
    if (!engine) throw new Error('the NOC watcher is not running');
    const record = adopt(r.serviceId, r.client);
    const facts = factsOf(r.serviceId);
    if (!facts) throw new Error(`client ${r.serviceId} unknown`);
    const health = healthOf(r.done);
    const alert = { ...r.alert, lossPct: r.done.lossPct ?? null, rttMs: r.done.rttMs ?? null };
    const outcome = engine.report(facts, alert, r.done.verdict, health, clock.now(), held);
    // A client of a watched router reported down: is it the router? Confirm at once, as for a sample.
    const group = facts.group;
    if (outcome === 'opened' && group && facts.inWatchedGroup && !engine.groupIsDown(group) && !bursts.has(group)) {
      const g = groups.get(group);
      const more = g ? sampleOf(g, settings.confirm, new Set([r.serviceId])) : [];
      if (more.length > 0) {
        const burst: Burst = { group, pending: more.length, results: [{ facts, verdict: r.done.verdict, health }] };
        bursts.set(group, burst);
        priority.unshift(...more.map((serviceId) => ({ serviceId, why: 'confirm' as const, burst })));
        trimPriority();
      }
    }
    if (engine.incident(`client:${r.serviceId}`)?.reportedBy) {
      reported.set(r.serviceId, record);
      explicit.add(r.serviceId);
    }
    log.info({ serviceId: r.serviceId, source: r.alert.source, status: r.alert.status, verdict: r.done.verdict, outcome }, 'external alert checked');
    return outcome;
  };

  /** A fresh check of an alerted client, queued within the NOC's pace and budget (background priority). */
  const checkForIntake = (serviceId: number): Promise<DoneState | null> =>
    new Promise((answer) => {
      intakeJobs.push({ serviceId, why: 'intake', answer });
      poke();
    });

  const labelOf = (group: GroupKey, c: ClientRecord | undefined): string => groups.get(group)?.label ?? engine?.incident(group)?.label ?? (c ? groupLabel(c, group) : group);

  type Item = StormItem & IntakeItem;

  /** The lines of a router that answered our sample are each their own question: checked and reported one by one. */
  const checkEach = async (items: readonly Item[], held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    await Promise.all(
      items.map(async (it) => {
        const done = await checkForIntake(it.serviceId);
        if (!done) throw new Error('stopping');
        outcomes.set(it.serviceId, reportOne({ ...it, done }, held));
      }),
    );
  };

  /** Checks `ids` together and hands back what each found (the window of a folded router). */
  const sampleWindow = async (ids: readonly number[]) => {
    const dones = await Promise.all(ids.map((id) => checkForIntake(id)));
    const out: { facts: ClientFacts; verdict: DoneState['verdict']; health: Health; done: DoneState }[] = [];
    for (const [i, done] of dones.entries()) {
      if (!done) throw new Error('stopping');
      const facts = factsOf(ids[i] as number);
      if (facts) out.push({ facts, verdict: done.verdict, health: healthOf(done), done });
    }
    return out;
  };

  const foldOf = (items: readonly Item[], skip: ReadonlySet<number>): AlertFold => {
    const first = items[0]?.alert;
    const shared = first && items.every((it) => it.alert.title === first.title) ? first.title : null;
    const by = first ? reporterOf({ source: first.source, title: shared }) : 'alerts';
    const now = clock.now();
    return {
      by,
      note: `${items.length} ${items.length === 1 ? 'client' : 'clients'} alerting (${by})`,
      members: items.filter((it) => !skip.has(it.serviceId)).map((it) => ({ serviceId: it.serviceId, name: clients.get(it.serviceId)?.name ?? '', verdict: null, health: 'unknown' as const, at: now })),
    };
  };

  /** Several alerting clients of one router: a sample decides; one incident lists them all, or each line is checked. */
  const foldFiring = async (f: StormFold<Item>, held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    if (!engine) return;
    const group = f.group;
    if (engine.foldIntoIncident(group, foldOf(f.items, new Set()), clock.now())) {
      for (const it of f.items) outcomes.set(it.serviceId, 'joined');
      return;
    }
    const day = today();
    const candidates = f.items.filter((it) => !onBillingHold(clients.get(it.serviceId) ?? bareClientRecord(it.serviceId, ''), day));
    const ids = pickSample(
      candidates.map((it) => ({ serviceId: it.serviceId, tracker: engine?.tracker(`client:${it.serviceId}`) ?? null, lastStable: lastStable(it.serviceId) })),
      stormSampleSize(settings, candidates.length),
    );
    const window = await sampleWindow(ids);
    const sampled = new Set(ids);
    const now = clock.now();
    // Another window (a round's confirmation, an earlier notification) may have opened it meanwhile.
    if (!engine.incident(group)) {
      const again = engine.groupWindow(group, labelOf(group, clients.get(f.items[0]?.serviceId ?? -1)), window, candidates.length, now, [], foldOf(f.items, sampled));
      for (const serviceId of again) priority.push({ serviceId, why: 'recheck' });
    }
    if (engine.incident(group)) {
      engine.foldIntoIncident(group, foldOf(f.items, sampled), now);
      for (const x of window) engine.clientVerdict(x.facts, x.verdict, x.health, now, { inWindow: true });
      for (const it of f.items) outcomes.set(it.serviceId, 'joined');
      const opened = engine.incident(group);
      if (opened && opened.openedAt === now) for (const it of f.items) outcomes.set(it.serviceId, 'opened');
      log.info({ group, alerts: f.items.length, sampled: ids.length, incident: opened?.id }, 'alert storm folded into one router incident');
      return;
    }
    // The router answers: the sender's alerts are about the lines themselves.
    for (const x of window) {
      const it = f.items.find((i) => i.serviceId === x.facts.serviceId);
      if (it) outcomes.set(it.serviceId, reportOne({ ...it, done: x.done }, held));
    }
    log.info({ group, alerts: f.items.length, sampled: ids.length }, 'alert storm: the router answers; checking each alerting line');
    await checkEach(
      f.items.filter((it) => !sampled.has(it.serviceId)),
      held,
      outcomes,
    );
  };

  /** A router's alerts resolved: a sample re-checks it (the incident ends when it answers), one reply in the thread. */
  const foldResolved = async (f: StormFold<Item>, held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    if (!engine) return;
    const group = f.group;
    if (!engine.incident(group)) {
      // Nothing of the router's is open: only lines with an incident of their own need a look.
      const own = f.items.filter((it) => engine?.incident(`client:${it.serviceId}`));
      for (const it of f.items) if (!own.includes(it)) outcomes.set(it.serviceId, 'no_incident');
      await checkEach(own, held, outcomes);
      return;
    }
    const day = today();
    const candidates = f.items.filter((it) => !onBillingHold(clients.get(it.serviceId) ?? bareClientRecord(it.serviceId, ''), day));
    const ids = pickSample(
      candidates.map((it) => ({ serviceId: it.serviceId, tracker: engine?.tracker(`client:${it.serviceId}`) ?? null, lastStable: lastStable(it.serviceId) })),
      stormSampleSize(settings, candidates.length),
    );
    const window = await sampleWindow(ids);
    const now = clock.now();
    for (const x of window) engine.clientVerdict(x.facts, x.verdict, x.health, now, { inWindow: true });
    if (engine.incident(group)) {
      const again = engine.groupWindow(group, labelOf(group, undefined), window, Math.max(candidates.length, groups.get(group)?.candidates.length ?? 0), now);
      for (const serviceId of again) priority.push({ serviceId, why: 'recheck' });
    }
    const first = f.items[0]?.alert;
    const title = first && f.items.every((it) => it.alert.title === first.title) ? first.title : null;
    engine.groupResolved(group, { source: first?.source ?? '', title, alerts: f.items.length, checked: window.length, answer: window.filter((x) => x.health === 'up').length }, now);
    for (const it of f.items) outcomes.set(it.serviceId, 'posted');
  };

  /** One notification's alerts: folded per router, the rest one by one, lines that answer in one note. */
  const intakeNotification = async (items: readonly IntakeItem[]): Promise<ReportOutcome[]> => {
    const withGroups: Item[] = items.map((it) => {
      const c = adopt(it.serviceId, it.client);
      return { ...it, group: groupOf(c) };
    });
    const plan = planStorm(withGroups, settings.rollupMin);
    const held: HeldNote[] = [];
    const alerting = new Map<string, { label: string | null; count: number }>();
    for (const it of withGroups) {
      if (it.alert.status !== 'firing') continue;
      const key = it.group ?? '';
      const a = alerting.get(key) ?? { label: it.group ? labelOf(it.group, clients.get(it.serviceId)) : null, count: 0 };
      a.count++;
      alerting.set(key, a);
    }
    const outcomes = new Map<number, ReportOutcome>();
    const settled = await Promise.allSettled([
      checkEach(plan.singles, held, outcomes),
      ...plan.folds.map((f) => (f.status === 'firing' ? foldFiring(f, held, outcomes) : foldResolved(f, held, outcomes))),
    ]);
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed || stopped) throw failed?.reason ?? new Error('stopping');
    engine?.intakeSummary(held, alerting, clock.now());
    await persist();
    poke();
    return items.map((it) => outcomes.get(it.serviceId) ?? 'no_incident');
  };

  const loop = async () => {
    while (!stopped) {
      const now = clock.now();
      if (roundJobs.length === 0 && now >= nextRoundAt) {
        await startRound();
        continue;
      }
      for (let i = delayed.length - 1; i >= 0; i--) {
        const d = delayed[i];
        if (d && d.at <= now) {
          delayed.splice(i, 1);
          priority.push(d.job);
        }
      }
      if (now - leaseRenewedAt >= LEASE_RENEW_MS) {
        try {
          await renewLease(now);
        } catch (err) {
          // Someone took the store over (we were stalled past the lease): stop rather than alert twice.
          log.error({ err }, 'lost the watcher lease; the NOC watcher stops');
          stopped = true;
          break;
        }
      }
      if (now - metaSavedAt >= STATUS_EVERY_MS) saveStatus(now);
      if (engine) {
        silences = silences.filter((s) => s.until > now);
        engine.tick(now);
        await persist();
      }
      const queueLength = priority.length + intakeJobs.length + roundJobs.length;
      const windowFullUntil = budgetWindowFullUntil(now);
      if (queueLength > 0 && now >= nextStartAt && inFlight < MAX_IN_FLIGHT && windowFullUntil === null) {
        const job = priority.shift() ?? intakeJobs.shift() ?? roundJobs.shift();
        if (job) {
          runJob(job);
          // Spread evenly, never faster than the budget allows for what a check costs.
          const minSpacing = (costPerCheck / budgetPerMin) * 60_000;
          nextStartAt = now + (job.why === 'sample' || job.why === 'client' || job.why === 'follow' ? Math.max(minSpacing, plan.spacingMs) : minSpacing);
        }
        continue;
      }
      let until = now + TICK_MS;
      if (queueLength > 0 && inFlight < MAX_IN_FLIGHT) until = Math.min(until, Math.max(nextStartAt, windowFullUntil ?? 0));
      if (roundJobs.length === 0) until = Math.min(until, nextRoundAt);
      for (const d of delayed) until = Math.min(until, d.at);
      wake = new AbortController();
      const signal = AbortSignal.any([wake.signal, stopper.signal]);
      await clock.sleep(Math.max(1, until - now), signal).catch(() => {});
      wake = null;
    }
  };

  return {
    async start() {
      await renewLease(clock.now());
      engine = new NocEngine(settings, await store.loadEngine(), isSilenced);
      silences = await store.silences(clock.now());
      const open = engine.openIncidents();
      if (open.length > 0) log.info({ open: open.map((i) => ({ incident: i.id, scope: i.scope })) }, 'continuing open incidents');
      deps.outbox?.kick();
      loopDone = loop().catch((err: unknown) => log.error({ err }, 'noc watcher stopped on an error'));
    },
    async stop() {
      stopped = true;
      stopper.abort();
      // Alerts still waiting for a check stay in the intake store for the next start.
      for (const job of intakeJobs.splice(0)) job.answer?.(null);
      await loopDone;
      await Promise.allSettled([...checksInFlight]);
      await persist();
      await persisting;
      await store.releaseLease(lease).catch(() => {});
    },
    status: statusNow,
    async ack(incidentId, by) {
      if (!engine) return null;
      const i = engine.ack(incidentId, by, clock.now());
      await persist();
      return i;
    },
    async silenceIncident(incidentId, by, until) {
      const incident = engine?.openIncidents().find((i) => i.id === incidentId);
      if (!incident) return null;
      const now = clock.now();
      const silence: Silence = { scope: incident.scope, until, reason: `silenced by ${by}`, createdAt: now };
      await store.addSilence(silence);
      silences.push(silence);
      // Not the engine's decision, but told in order with its events (same outbox, same queue).
      void persist();
      unsaved.push({ tracks: new Map(), incidents: [], events: [{ kind: 'silenced', incident: snapshot(incident), by, until, at: now }] });
      await persist();
      return incident;
    },
    async report(r) {
      if (!engine || stopped) throw new Error('the NOC watcher is not running');
      const outcome = reportOne(r, null);
      await persist();
      poke();
      return outcome;
    },
    async intake(items, signal) {
      if (!engine || stopped) throw new Error('the NOC watcher is not running');
      if (signal?.aborted) throw new Error('stopping');
      const work = intakeNotification(items);
      if (!signal) return work;
      // The intake stopping does not wait for checks queued here: their alerts stay in its store.
      work.catch(() => {});
      return Promise.race([work, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopping')), { once: true }))]);
    },
    async unmatched(r) {
      if (!engine || stopped) throw new Error('the NOC watcher is not running');
      engine.unmatched(r.alert, r.target, r.problem, clock.now());
      await persist();
    },
  };
}

function insertSorted(xs: number[], x: number): void {
  let i = xs.length;
  while (i > 0 && (xs[i - 1] ?? 0) > x) i--;
  xs.splice(i, 0, x);
}

function groupLabel(c: ClientRecord, key: GroupKey): string {
  if (c.router && key.startsWith('router:')) return c.zoneName ? `${c.router.name} (${c.zoneName})` : c.router.name;
  return c.zoneName ?? `zone ${c.zoneId ?? '?'}`;
}

export function entryLabel(w: Pick<WatchEntry, 'kind' | 'ref'>): string {
  return w.kind === 'all' ? 'all' : `${w.kind} ${w.ref ?? '?'}`;
}
