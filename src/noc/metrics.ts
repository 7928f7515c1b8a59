import { Counter, Registry } from 'prom-client';
import { scrapedGauge, scrapedLabelledGauge } from '../util/prometheus.js';
import type { WatcherStatus } from './watcher.js';

/** This replica's role: `pingops_leader` 1 while it leads (runs the watcher, outbox and intake), 0 on a standby. */
export function watchLeader(registry: Registry, role: () => 'leader' | 'standby'): void {
  scrapedGauge(registry, 'pingops_leader', '1 while this replica holds the lease and runs the NOC watcher, outbox, intake and retention; 0 on a standby.', () => (role() === 'leader' ? 1 : 0));
}

/**
 * The watcher's series, on a registry of their own: /metrics shows them only while this
 * replica leads (a standby's watcher is not running, and its zeros would read as a quiet network).
 */
export function watcherRegistry(status: () => WatcherStatus | null): Registry {
  const registry = new Registry();
  const read = <T>(f: (s: WatcherStatus) => T, none: T) => () => {
    const s = status();
    return s ? f(s) : none;
  };
  scrapedLabelledGauge(registry, 'pingops_noc_open_incidents', 'NOC incidents not yet resolved, by scope.', ['scope'], read(openByScope, []));
  scrapedGauge(registry, 'pingops_noc_round_seconds', 'How long the last sweep round took (NaN before the first ends).', read((s) => (s.lastRoundMs === null ? Number.NaN : s.lastRoundMs / 1000), Number.NaN));
  scrapedGauge(registry, 'pingops_noc_round_planned_seconds', 'How long a round should take within the budget.', read((s) => s.plannedRoundMs / 1000, 0));
  // The watcher counts its own rounds (it may be a new one after a takeover): a counter set from it.
  new Counter({
    name: 'pingops_noc_rounds_total',
    help: 'Sweep rounds started.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(status()?.round ?? 0);
    },
  });
  scrapedGauge(registry, 'pingops_noc_budget_requests_per_minute', 'Ping API requests the watcher made in the last minute.', read((s) => s.requestsLastMinute, 0));
  scrapedGauge(
    registry,
    'pingops_noc_budget_share_in_use',
    'Share of the watcher budget (NOC_BUDGET_PCT of the rate) used in the last minute, 0-1.',
    read((s) => (s.budgetPerMin > 0 ? s.requestsLastMinute / s.budgetPerMin : 0), 0),
  );
  return registry;
}

function openByScope(s: WatcherStatus): [Record<'scope', string>, number][] {
  const open = { client: 0, router: 0, zone: 0 };
  for (const i of s.open) open[i.scope.split(':')[0] as keyof typeof open]++;
  return Object.entries(open).map(([scope, n]) => [{ scope }, n]);
}
