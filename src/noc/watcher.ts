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
import { NocEngine, snapshot, type ClientFacts, type Drained, type ExternalAlert, type HeldNote, type ReportOutcome } from './engine.js';
import type { Outbox } from './outbox.js';
import { planRound, type Plan } from './planner.js';
import { insertSorted, pruneMinute, windowFullUntil } from './pace.js';
import { buildRound, sampleOf as sampleGroup, type GroupInfo, type JobWhy } from './round.js';
import { createStormIntake, type IntakeItem } from './storm-intake.js';
import { covers, type NocStore } from './store.js';
import { groupOf, type ClientInventory, type GroupKey, type Health, type Incident, type NocSettings, type ScopeKey, type Silence, type WatchEntry, type WatcherStatus } from './types.js';
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
  /**
   * False once this replica may no longer lead (util/leadership's fence): nothing more is written
   * or kicked out, so a replica whose lease ran out never alerts beside the new leader.
   */
  leads?: () => boolean;
  /** A client's card by service id (the directory): clients another system reported, after a restart. */
  lookupClient?: (serviceId: number, signal: AbortSignal) => Promise<ClientRecord | null>;
}

export type { JobWhy } from './round.js';

interface Job {
  serviceId: number;
  why: JobWhy;
  burst?: Burst;
  /** An alert's check (intake): its verdict goes back to the notification, not to the round. */
  answer?: (done: DoneState | null) => void;
}

export type { IntakeItem } from './storm-intake.js';

interface Burst {
  group: GroupKey;
  pending: number;
  results: { facts: ClientFacts; verdict: Verdict; health: Health }[];
}

export type { WatcherStatus } from './types.js';

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

/** The status other processes read is saved at every round and at least this often. */
const STATUS_EVERY_MS = 5_000;

/** Confirmations and rechecks waiting beyond this are dropped (logged): a round re-covers them. */
const MAX_PRIORITY_QUEUE = 1000;
/** At most this many checks of the watcher in flight at once. */
const MAX_IN_FLIGHT = 16;
/** Time passes even with nothing to check: reminders, silences ending, flapping settling. */
const TICK_MS = 1000;

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

  const leads = deps.leads ?? (() => true);

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
    if (!leads()) {
      // Fenced: the new leader re-detects from the store; writing now could alert twice.
      log.warn({ waiting: unsaved.length }, 'not the leader any more: NOC changes not written');
      unsaved.length = 0;
      return persisting;
    }
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


  const sampleOf = (g: GroupInfo, n: number, exclude: ReadonlySet<number>) => sampleGroup(g, n, exclude, engine);

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
    const next = buildRound({ watches, clients, explicit, reportedGroups, tracks: engine, settings, budgetPerMin, costPerCheck, now, day: today() });
    ({ groups, inGroups, plan } = next);
    const jobs: Job[] = next.jobs;
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

  /** When a new check fits the NOC's share of the last 60 s again (null: now). */
  const budgetWindowFullUntil = (now: number): number | null => {
    pruneMinute(requestTimes, now);
    return windowFullUntil({ times: requestTimes, inFlight: flightRequests.values(), costPerCheck, budgetPerMin, now });
  };

  const statusNow = (): WatcherStatus => {
    const now = clock.now();
    pruneMinute(requestTimes, now);
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

  const storm = createStormIntake({
    engine: () => engine,
    clients: () => clients,
    groups: () => groups,
    factsOf,
    adopt,
    report: reportOne,
    check: checkForIntake,
    recheck: (ids) => priority.push(...ids.map((serviceId) => ({ serviceId, why: 'recheck' as const }))),
    stopped: () => stopped,
    persist: async () => {
      await persist();
      poke();
    },
    today,
    settings,
    clock,
    log,
  });

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
      if (!leads()) {
        // The lease ran out under us (util/leadership stops us too): stop rather than alert twice.
        log.error('not the leader any more; the NOC watcher stops');
        stopped = true;
        break;
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
      const work = storm.notification(items);
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

export { entryLabel } from './round.js';
