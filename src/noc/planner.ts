import { formatDuration } from '../util/duration.js';

/** What the watch list asks for, reduced to what a round must check. */
export interface PlanInput {
  /** Groups (routers, or zones where no router is known) swept by sampling. */
  groups: number;
  /** Clients in those groups that may be sampled (active, no billing hold). */
  groupClients: number;
  /** Whether the groups are routers, zones or both (for the words). */
  groupWord: 'routers' | 'zones' | 'routers and zones';
  /** Clients watched one by one (each checked every round). */
  singleClients: number;
  /** Clients followed this round because they changed lately (flap tracking). */
  followed: number;
  /** Watched clients with neither a router nor a zone: they cannot be grouped, so they are not swept. */
  ungrouped?: number;
  /** Every watch entry with its interval, to say which ones a round cannot honour. */
  entries: { label: string; intervalMs: number }[];
  sample: number;
  /** The watcher's share: NOC_BUDGET_PCT of PING_API_RATE_PER_MIN. */
  budgetPerMin: number;
  /** Requests one check costs (create + polls), measured; about 3. */
  costPerCheck: number;
  roundMinMs: number;
}

export interface Plan {
  checksPerRound: number;
  requestsPerRound: number;
  /** How long one round takes at the budget's pace, or the floor when that is shorter. */
  roundMs: number;
  /** Between two check starts: the round spread evenly (no burst at :00). */
  spacingMs: number;
  /** Entries whose interval is shorter than a round ("client 1001 every 1 min: stretched to 2 min"). */
  stretched: string[];
  /** What the budget buys, for people. */
  summary: string;
}

/**
 * What one round costs and how long it takes within the budget. Rounds go as fast as the
 * watcher's share allows (speed is detection), never faster than `roundMinMs`, and the checks
 * are spread evenly over the round. An entry whose interval the round cannot honour is named,
 * never silently skipped.
 */
export function planRound(input: PlanInput): Plan {
  const sampled = Math.min(input.groupClients, input.groups * Math.max(1, input.sample));
  const checksPerRound = sampled + input.singleClients + input.followed;
  const cost = Math.max(1, input.costPerCheck);
  const requestsPerRound = Math.ceil(checksPerRound * cost);
  const budget = Math.max(1e-9, input.budgetPerMin);
  const atBudgetMs = (requestsPerRound / budget) * 60_000;
  const roundMs = Math.max(input.roundMinMs, Math.ceil(atBudgetMs));
  const spacingMs = checksPerRound > 0 ? Math.max((cost / budget) * 60_000, roundMs / checksPerRound) : roundMs;
  const stretched = input.entries.filter((e) => e.intervalMs < roundMs).map((e) => `${e.label} every ${formatDuration(e.intervalMs)}: stretched to ${formatDuration(roundMs)}`);
  const parts: string[] = [];
  if (input.groups > 0) {
    parts.push(`${input.groupClients.toLocaleString('en-US')} clients on ${input.groups} ${input.groups === 1 ? input.groupWord.replace(/s$/, '') : input.groupWord}; sampling ${input.sample} per ${input.groupWord === 'zones' ? 'zone' : 'router'}`);
  }
  if (input.singleClients > 0) parts.push(`${input.singleClients} client${input.singleClients === 1 ? '' : 's'} watched one by one`);
  if (input.followed > 0) parts.push(`${input.followed} followed after a change`);
  if (input.ungrouped) parts.push(`${input.ungrouped} with neither router nor zone, not swept`);
  if (parts.length === 0) parts.push('nothing watched');
  const rate = Math.min(budget, (requestsPerRound / roundMs) * 60_000);
  const summary = `${parts.join('; ')}; one round every ${formatDuration(roundMs)} at ${Math.round(rate)} req/min (budget ${Math.round(budget)})`;
  return { checksPerRound, requestsPerRound, roundMs, spacingMs, stretched, summary };
}
