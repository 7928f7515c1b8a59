/**
 * What `GET /metrics` serves, on one prom-client registry per bot (it writes the exposition
 * format: HELP and TYPE, label escaping). The core's counters are counted as checks end; every
 * gauge is read at scrape time from where its value lives.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { DoneState } from '../core/check-state.js';
import { VERDICTS } from '../core/verdict.js';
import type { StoreHealth } from '../store/ports.js';
import { scrapedGauge, scrapedLabelledGauge } from '../util/prometheus.js';

export interface Metrics {
  readonly registry: Registry;
  /** Records a finished check (a cached answer counts as a check served from cache). */
  checkDone(state: DoneState): void;
  /** Adds Node's process series (CPU, resident memory, heap, event-loop lag, GC): once per process. */
  withProcess(): void;
  /** The exposition text of everything registered. */
  render(): Promise<string>;
}

/** `inFlight` is read at scrape time. */
export function createMetrics(o: { now?: () => number; inFlight: () => number }): Metrics {
  const now = o.now ?? Date.now;
  const started = now();
  const registry = new Registry();
  const checks = new Counter({ name: 'pingops_checks_total', help: 'Checks finished, by verdict.', labelNames: ['verdict'], registers: [registry] });
  // Every verdict from the start: a rate() over a series that appears later misses its first count.
  for (const verdict of VERDICTS) checks.inc({ verdict }, 0);
  const cached = new Counter({ name: 'pingops_checks_cached_total', help: 'Checks answered from the result cache.', registers: [registry] });
  const polls = new Counter({ name: 'pingops_check_polls_total', help: 'Polls of the Ping API made by finished checks.', registers: [registry] });
  const seconds = new Counter({ name: 'pingops_check_seconds_total', help: 'Time finished checks took, summed (divide by pingops_check_runs_total).', registers: [registry] });
  const runs = new Counter({ name: 'pingops_check_runs_total', help: 'Checks that ran a ping task (not from the cache).', registers: [registry] });
  scrapedGauge(registry, 'pingops_checks_in_flight', 'Checks running now.', o.inFlight);
  scrapedGauge(registry, 'pingops_uptime_seconds', 'Seconds since the process started.', () => Math.round((now() - started) / 1000));
  let withProcess = false;
  return {
    registry,
    checkDone(state) {
      checks.inc({ verdict: state.verdict });
      if (state.cached) {
        cached.inc();
        return;
      }
      runs.inc();
      polls.inc(state.polls);
      seconds.inc(state.elapsedMs / 1000);
    },
    withProcess() {
      if (withProcess) return;
      withProcess = true;
      collectDefaultMetrics({ register: registry });
      // Gauges named like counters: `promtool check metrics` rejects them, and they tell little
      // that process_open_fds and the event-loop lag do not.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
    },
    render: () => registry.metrics(),
  };
}

/** The store's health as gauges: alert on `pingops_store_degraded 1` (see /readyz for the reason). */
export function watchStore(registry: Registry, health: () => StoreHealth): void {
  scrapedGauge(
    registry,
    'pingops_store_degraded',
    '1 while the store keeps writes in memory: the SQLite file failed (nothing is kept past a restart), or the PostgreSQL server does not answer (kept until it does).',
    () => (health().state === 'degraded' ? 1 : 0),
  );
  scrapedGauge(
    registry,
    'pingops_store_last_fault_timestamp_seconds',
    'When the store last met a fault (its file failed, was replaced, or its WAL vanished; its server stopped answering); 0: never.',
    () => {
      const h = health();
      return Math.round((h.state === 'degraded' ? h.since : (h.lastFault?.at ?? 0)) / 1000);
    },
  );
}

/** Per chat surface, the conversations whose final edits wait: alert on `where="store"` staying above 0. */
export function watchChat(registry: Registry, surfaces: () => readonly { surface: string; inMemory: number; inStore: number }[]): void {
  scrapedLabelledGauge(
    registry,
    'pingops_chat_final_edits_waiting',
    'Conversations whose final edits wait for the edit budget: in memory (at most 100 per surface), or in the store behind them. Their requesters already have the verdict.',
    ['surface', 'where'],
    () => surfaces().flatMap((s) => [[{ surface: s.surface, where: 'memory' }, s.inMemory] as const, [{ surface: s.surface, where: 'store' }, s.inStore] as const]),
  );
}

/**
 * Requests in hand per chat surface and outcome (chat/held-requests): `held` as acknowledged,
 * `handed_over` by a replica that was stopping, `replayed` after their replica was gone,
 * `dropped` (too old or unreadable). Alert on any `dropped`: someone was told "received" and
 * heard nothing more. Returns the counter of one surface, its series at 0 from the start.
 */
export function countHeldRequests<O extends string>(registry: Registry, outcomes: readonly O[]): (surface: string) => (outcome: O) => void {
  const counter = new Counter({
    name: 'pingops_held_requests_total',
    help: 'Chat requests held in the store from their acknowledgement, by surface and outcome: held, handed_over by a stopping replica, replayed after their replica was gone, dropped (too old or unreadable; the person heard nothing more).',
    labelNames: ['surface', 'outcome'],
    registers: [registry],
  });
  return (surface) => {
    for (const outcome of outcomes) counter.inc({ surface, outcome }, 0);
    return (outcome) => counter.inc({ surface, outcome });
  };
}

/** Which named leases this replica holds: `pingops_lease_held{lease="noc"}`, `{lease="discord-gateway"}`; 1 held, 0 not. */
export function watchLeases(registry: Registry, leases: () => readonly { name: string; role: 'leader' | 'standby' }[]): void {
  scrapedLabelledGauge(
    registry,
    'pingops_lease_held',
    '1 while this replica holds the named lease (noc: the NOC watcher, outbox, intake and retention; discord-gateway: the one Discord gateway session), 0 otherwise.',
    ['lease'],
    () => leases().map((l) => [{ lease: l.name }, l.role === 'leader' ? 1 : 0] as const),
  );
}
