import type { DoneState } from '../core/check-state.js';
import { VERDICTS, type Verdict } from '../core/verdict.js';
import type { StoreHealth } from '../store/ports.js';

/** Counts what the bot did, for `GET /metrics` in Prometheus' text format. */
export interface Metrics {
  /** Records a finished check (a cached answer counts as a check served from cache). */
  checkDone(state: DoneState): void;
  /** The exposition text; `inFlight` is read at scrape time. */
  render(inFlight: number): string;
}

/** A small in-process registry: a fixed set of series, no labels from outside text. */
export function createMetrics(now: () => number = Date.now): Metrics {
  const started = now();
  const checks = new Map<Verdict, number>(VERDICTS.map((v) => [v, 0]));
  let cached = 0;
  let pollsTotal = 0;
  let elapsedMsTotal = 0;
  let finishedFresh = 0;

  return {
    checkDone(state) {
      checks.set(state.verdict, (checks.get(state.verdict) ?? 0) + 1);
      if (state.cached) {
        cached++;
        return;
      }
      finishedFresh++;
      pollsTotal += state.polls;
      elapsedMsTotal += state.elapsedMs;
    },
    render(inFlight) {
      const lines = [
        '# HELP pingops_checks_total Checks finished, by verdict.',
        '# TYPE pingops_checks_total counter',
        ...[...checks].map(([v, n]) => `pingops_checks_total{verdict="${v}"} ${n}`),
        '# HELP pingops_checks_cached_total Checks answered from the result cache.',
        '# TYPE pingops_checks_cached_total counter',
        `pingops_checks_cached_total ${cached}`,
        '# HELP pingops_check_polls_total Polls of the Ping API made by finished checks.',
        '# TYPE pingops_check_polls_total counter',
        `pingops_check_polls_total ${pollsTotal}`,
        '# HELP pingops_check_seconds_total Time finished checks took, summed (divide by pingops_check_runs_total).',
        '# TYPE pingops_check_seconds_total counter',
        `pingops_check_seconds_total ${(elapsedMsTotal / 1000).toFixed(3)}`,
        '# HELP pingops_check_runs_total Checks that ran a ping task (not from the cache).',
        '# TYPE pingops_check_runs_total counter',
        `pingops_check_runs_total ${finishedFresh}`,
        '# HELP pingops_checks_in_flight Checks running now.',
        '# TYPE pingops_checks_in_flight gauge',
        `pingops_checks_in_flight ${inFlight}`,
        '# HELP pingops_uptime_seconds Seconds since the process started.',
        '# TYPE pingops_uptime_seconds gauge',
        `pingops_uptime_seconds ${Math.round((now() - started) / 1000)}`,
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}

/** The store's health as gauges: alert on `pingops_store_degraded 1` (see /readyz for the reason). */
export function renderStoreMetrics(health: StoreHealth): string {
  const lastFault = health.state === 'degraded' ? health.since : (health.lastFault?.at ?? 0);
  return [
    '# HELP pingops_store_degraded 1 while the store keeps writes in memory: the SQLite file failed (nothing is kept past a restart), or the PostgreSQL server does not answer (kept until it does).',
    '# TYPE pingops_store_degraded gauge',
    `pingops_store_degraded ${health.state === 'degraded' ? 1 : 0}`,
    '# HELP pingops_store_last_fault_timestamp_seconds When the store last met a fault (its file failed, was replaced, or its WAL vanished; its server stopped answering); 0: never.',
    '# TYPE pingops_store_last_fault_timestamp_seconds gauge',
    `pingops_store_last_fault_timestamp_seconds ${Math.round(lastFault / 1000)}`,
    '',
  ].join('\n');
}

/** Per chat surface, the conversations whose final edits wait: alert on `where="store"` staying above 0. */
export function renderChatMetrics(surfaces: readonly { surface: string; inMemory: number; inStore: number }[]): string {
  if (surfaces.length === 0) return '';
  return [
    '# HELP pingops_chat_final_edits_waiting Conversations whose final edits wait for the edit budget: in memory (at most 100 per surface), or in the store behind them. Their requesters already have the verdict.',
    '# TYPE pingops_chat_final_edits_waiting gauge',
    ...surfaces.flatMap((s) => [`pingops_chat_final_edits_waiting{surface="${s.surface}",where="memory"} ${s.inMemory}`, `pingops_chat_final_edits_waiting{surface="${s.surface}",where="store"} ${s.inStore}`]),
    '',
  ].join('\n');
}

/** Which named leases this replica holds: `pingops_lease_held{lease="noc"}`, `{lease="discord-gateway"}`; 1 held, 0 not. */
export function renderLeaseMetrics(leases: readonly { name: string; role: 'leader' | 'standby' }[]): string {
  if (leases.length === 0) return '';
  return [
    '# HELP pingops_lease_held 1 while this replica holds the named lease (noc: the NOC watcher, outbox, intake and retention; discord-gateway: the one Discord gateway session), 0 otherwise.',
    '# TYPE pingops_lease_held gauge',
    ...leases.map((l) => `pingops_lease_held{lease="${l.name}"} ${l.role === 'leader' ? 1 : 0}`),
    '',
  ].join('\n');
}
