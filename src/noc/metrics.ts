import type { WatcherStatus } from './watcher.js';

/** The watcher's series for `GET /metrics` (Prometheus text), appended to the core's. */
export function renderNocMetrics(s: WatcherStatus): string {
  const open = { client: 0, router: 0, zone: 0 };
  for (const i of s.open) open[i.scope.split(':')[0] as keyof typeof open]++;
  const lines = [
    '# HELP pingops_noc_open_incidents NOC incidents not yet resolved, by scope.',
    '# TYPE pingops_noc_open_incidents gauge',
    ...Object.entries(open).map(([scope, n]) => `pingops_noc_open_incidents{scope="${scope}"} ${n}`),
    '# HELP pingops_noc_round_seconds How long the last sweep round took.',
    '# TYPE pingops_noc_round_seconds gauge',
    `pingops_noc_round_seconds ${s.lastRoundMs === null ? 'NaN' : (s.lastRoundMs / 1000).toFixed(3)}`,
    '# HELP pingops_noc_round_planned_seconds How long a round should take within the budget.',
    '# TYPE pingops_noc_round_planned_seconds gauge',
    `pingops_noc_round_planned_seconds ${(s.plannedRoundMs / 1000).toFixed(3)}`,
    '# HELP pingops_noc_rounds_total Sweep rounds started.',
    '# TYPE pingops_noc_rounds_total counter',
    `pingops_noc_rounds_total ${s.round}`,
    '# HELP pingops_noc_budget_requests_per_minute Ping API requests the watcher made in the last minute.',
    '# TYPE pingops_noc_budget_requests_per_minute gauge',
    `pingops_noc_budget_requests_per_minute ${s.requestsLastMinute}`,
    '# HELP pingops_noc_budget_share_in_use Share of the watcher budget (NOC_BUDGET_PCT of the rate) used in the last minute, 0-1.',
    '# TYPE pingops_noc_budget_share_in_use gauge',
    `pingops_noc_budget_share_in_use ${s.budgetPerMin > 0 ? (s.requestsLastMinute / s.budgetPerMin).toFixed(3) : '0'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** This replica's role for `GET /metrics`: 1 while it leads (runs the watcher, outbox and intake), 0 on a standby. */
export function renderLeaderMetrics(role: 'leader' | 'standby'): string {
  return ['# HELP pingops_leader 1 while this replica holds the lease and runs the NOC watcher, outbox, intake and retention; 0 on a standby.', '# TYPE pingops_leader gauge', `pingops_leader ${role === 'leader' ? 1 : 0}`, ''].join('\n');
}
