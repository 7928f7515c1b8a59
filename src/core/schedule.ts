/**
 * When to poll a ping task. The Ping API's own guidance (first poll at 2.5 s, then every 2 s)
 * ignores what we know: WispHub sends one packet a second, so a task of N packets cannot finish
 * before about N seconds and usually finishes within 1.5 s after that. We poll once at the
 * earliest plausible finish, densely across the likely window, then back off towards the
 * maximum interval, which gives a lower detection delay for no more polls (see bench/).
 */

export interface ScheduleConfig {
  /** Floor of the first poll (PING_INITIAL_DELAY_MS). */
  initialDelayMs: number;
  /** First interval once past the likely window (PING_INTERVAL_MS). */
  intervalMs: number;
  /** Ceiling of every interval (PING_MAX_INTERVAL_MS). */
  maxIntervalMs: number;
  /** How long WispHub takes per packet (PING_PACKET_MS). */
  packetMs: number;
}

/**
 * The task-duration model the schedule is tuned to, in units of one packet's time
 * (`packetMs`, about a second on WispHub); the simulator follows the same model.
 */
export const TASK_MODEL = {
  /** Earliest extra time after the packets; the likely window spans min..max. */
  overheadMin: 0.3,
  overheadMax: 1.5,
  /** Step between polls inside the likely window. */
  windowStep: 0.6,
  /** Growth of the interval after the window. */
  backoff: 1.5,
} as const;

/** Delay before poll number `attempt` (1-based), measured from the previous poll (or task creation). */
export function pollDelay(attempt: number, packets: number, cfg: ScheduleConfig): number {
  return pollOffset(attempt, packets, cfg) - (attempt > 1 ? pollOffset(attempt - 1, packets, cfg) : 0);
}

/** Time of poll number `attempt` (1-based) after task creation. */
export function pollOffset(attempt: number, packets: number, cfg: ScheduleConfig): number {
  const m = TASK_MODEL;
  const work = packets * cfg.packetMs;
  const windowStart = Math.max(cfg.initialDelayMs, work + m.overheadMin * cfg.packetMs);
  const windowEnd = Math.max(windowStart, work + m.overheadMax * cfg.packetMs);
  const step = Math.max(1, Math.min(m.windowStep * cfg.packetMs, cfg.maxIntervalMs));
  const inWindow = Math.floor((windowEnd - windowStart) / step + 1e-9) + 1;
  if (attempt <= inWindow) return windowStart + (attempt - 1) * step;
  let t = windowStart + (inWindow - 1) * step;
  let interval = Math.min(cfg.intervalMs, cfg.maxIntervalMs);
  for (let i = inWindow; i < attempt; i++) {
    t += interval;
    interval = Math.min(cfg.maxIntervalMs, Math.round(interval * m.backoff));
  }
  return t;
}

/**
 * Time of poll `attempt` for a check nobody waits for (a NOC sweep's): one poll where the task
 * has almost surely ended, then today's back-off. Every request a sweep saves is one the
 * watcher can spend on another client (`npm run bench -- noc`: 3.5 → 2.0 requests a check).
 */
export function backgroundPollOffset(attempt: number, packets: number, cfg: ScheduleConfig): number {
  const end = (packets + TASK_MODEL.overheadMax) * cfg.packetMs;
  return pollOffset(attempt, packets, { ...cfg, initialDelayMs: Math.max(cfg.initialDelayMs, end) });
}

/** The documented strategy (first poll at 2.5 s, then every 2 s), for comparison in benchmarks. */
export function documentedPollOffset(attempt: number): number {
  return 2500 + (attempt - 1) * 2000;
}

/** What the learned plan needs beyond ScheduleConfig. */
export interface PlanConfig extends ScheduleConfig {
  /** The check's deadline (PING_TIMEOUT_MS): no poll after it counts. */
  timeoutMs: number;
}

/** The plan spends at most this share of the documented strategy's expected polls under the same belief (the floor and the prior keep that belief wider than the truth, so what is really spent stays below; see the bench). */
export const POLL_BUDGET_SHARE = 1;

/**
 * The least expected delay (in packet times; 50 ms on WispHub) a poll must save to be made:
 * with budget to spare, a poll where almost nothing ends would still "help", and cost a request.
 */
export const MIN_POLL_PRICE_PACKETS = 0.05;

/** Shortest gap between two polls, in packet times (200 ms on WispHub): kind to the API, and finer than any model. */
const MIN_GAP_PACKETS = 0.2;

/** Poll times (ms after creation) of the documented strategy as configured: PING_INITIAL_DELAY_MS, then every PING_INTERVAL_MS. */
export function referencePollOffset(attempt: number, cfg: ScheduleConfig): number {
  return cfg.initialDelayMs + (attempt - 1) * cfg.intervalMs;
}

/**
 * Polls one check may run ahead of the documented strategy as configured: room for the learned
 * or packet model's dense window around the likely finish, never more.
 */
export const POLLS_AHEAD_OF_DOCUMENTED = 2;

/** Polls the documented strategy makes by the deadline (PING_INITIAL_DELAY_MS, then every PING_INTERVAL_MS): the most one check makes. */
export function maxPolls(cfg: PlanConfig): number {
  if (cfg.timeoutMs < cfg.initialDelayMs) return 1;
  return Math.floor((cfg.timeoutMs - cfg.initialDelayMs) / Math.max(1, cfg.intervalMs)) + 1;
}

/**
 * When poll `attempt` (1-based) may go, given the time a plan asks for (`planned`, ms after the
 * task's creation) and the time the previous poll was placed (`previous`): never before the
 * documented poll `attempt - ahead`, never closer than MIN_GAP_PACKETS to the poll before, and
 * past `maxPolls` only after the deadline (which ends the check first). Whatever a model
 * believes, a task that never finishes gets the documented strategy's polls at its gaps, not a
 * model's tail squeezed towards the deadline (46 polls in 60 s before, issue 18).
 */
export function cappedPollOffset(attempt: number, planned: number, previous: number | undefined, cfg: PlanConfig, ahead = POLLS_AHEAD_OF_DOCUMENTED): number {
  const interval = Math.max(1, cfg.intervalMs);
  if (attempt > maxPolls(cfg)) return Math.max(previous ?? 0, cfg.timeoutMs) + interval;
  const floor = attempt > ahead ? referencePollOffset(attempt - ahead, cfg) : 0;
  const gap = previous === undefined ? 0 : previous + Math.max(1, MIN_GAP_PACKETS * cfg.packetMs);
  return Math.max(planned, floor, gap);
}

/** A whole schedule under cappedPollOffset, for plans that do not change while a check runs (benchmarks, the learner). */
export function capPolls(offset: (attempt: number) => number, cfg: PlanConfig, ahead = POLLS_AHEAD_OF_DOCUMENTED): (attempt: number) => number {
  const times: number[] = [];
  return (attempt) => {
    for (let m = times.length + 1; m <= attempt; m++) times.push(cappedPollOffset(m, offset(m), times[m - 2], cfg, ahead));
    return times[attempt - 1] ?? 0;
  };
}

/**
 * Poll number `attempt` (1-based) of a learned plan: the plan's own times, then, past the
 * model's horizon, today's back-off (PING_INTERVAL_MS growing ×1.5 up to PING_MAX_INTERVAL_MS).
 */
export function planOffset(plan: readonly number[], attempt: number, cfg: ScheduleConfig): number {
  const own = plan[attempt - 1];
  if (own !== undefined) return own;
  let t = plan.at(-1) ?? 0;
  let interval = Math.max(1, Math.min(cfg.intervalMs, cfg.maxIntervalMs));
  let i = plan.length;
  // Grow to the ceiling (a few steps), then step evenly: O(1) however far the attempt.
  for (; i < attempt && interval < cfg.maxIntervalMs; i++) {
    t += interval;
    interval = Math.min(cfg.maxIntervalMs, Math.max(interval + 1, Math.round(interval * TASK_MODEL.backoff)));
  }
  return t + (attempt - i) * interval;
}

/**
 * Expected polls per task of a schedule under `dist` (probabilities per bin of `binMs`, the
 * last entry "past the horizon", polled until the deadline): poll m happens when the task was
 * still pending at poll m-1.
 */
export function expectedPolls(offset: (attempt: number) => number, dist: readonly number[], binMs: number, timeoutMs: number): number {
  const survival = survivalOf(dist);
  const bins = dist.length - 1;
  let total = 0;
  let prev = 0;
  for (let m = 1; m < 10_000; m++) {
    const t = offset(m);
    if (t > timeoutMs && m > 1) break;
    total += survival[Math.min(bins, Math.floor(prev / binMs))] ?? 0;
    prev = t;
  }
  return total;
}

/** survival[k] = P(task ends after k·binMs), k = 0..bins. */
function survivalOf(dist: readonly number[]): Float64Array {
  const s = new Float64Array(dist.length);
  let acc = 0;
  for (let i = dist.length - 1; i >= 0; i--) {
    acc += dist[i] ?? 0;
    s[i] = acc;
  }
  return s;
}

/**
 * The poll times (ms after creation, up to the model's horizon) that minimise the expected
 * detection delay for the expected polls they spend, with no more expected polls than
 * POLL_BUDGET_SHARE of the documented strategy's under the same belief. `dist` is the
 * belief per bin of `binMs` plus one "later" entry (see duration-model.ts).
 *
 * For a price λ (ms of delay one poll is worth) a dynamic programme over the bin grid finds
 * the best plan; a bisection on λ finds the cheapest price whose plan fits the budget. When
 * durations carry no information the best plan is an even grid, as the documented one is.
 */
export function planPolls(dist: readonly number[], binMs: number, cfg: PlanConfig): number[] {
  const bins = dist.length - 1;
  const minGap = Math.max(1, Math.round((MIN_GAP_PACKETS * cfg.packetMs) / binMs));
  const maxGap = Math.max(minGap, Math.floor(cfg.maxIntervalMs / binMs));
  const firstBin = Math.max(1, Math.ceil(cfg.initialDelayMs / binMs));
  if (firstBin >= bins) return [Math.max(cfg.initialDelayMs, binMs)];

  const survival = survivalOf(dist);
  // Prefix sums: P[m] = Σ_{i<m} p_i, Q[m] = Σ_{i<m} i·p_i, so a step's delay cost is O(1).
  const P = new Float64Array(bins + 1);
  const Q = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) {
    const p = dist[i] ?? 0;
    P[i + 1] = (P[i] ?? 0) + p;
    Q[i + 1] = (Q[i] ?? 0) + i * p;
  }
  // Expected delay (in bins) of the tasks ending in bins j..k-1, found by a poll at k.
  const delayCost = (j: number, k: number) => (k - 0.5) * ((P[k] ?? 0) - (P[j] ?? 0)) - ((Q[k] ?? 0) - (Q[j] ?? 0));

  const value = new Float64Array(bins + 1);
  const next = new Int32Array(bins + 1);
  const plan = (price: number): number[] => {
    value[bins] = 0;
    for (let j = bins - 1; j >= 0; j--) {
      const lo = j === 0 ? firstBin : Math.min(bins, j + minGap);
      const hi = j === 0 ? bins : Math.min(bins, j + maxGap);
      const pollCost = price * (survival[j] ?? 0);
      let best = Infinity;
      let bestK = hi;
      for (let k = lo; k <= hi; k++) {
        const v = pollCost + delayCost(j, k) + (value[k] ?? 0);
        // Ties go to the longer gap: where we believe nothing ends, poll as rarely as allowed.
        if (v <= best) {
          best = v;
          bestK = k;
        }
      }
      value[j] = best;
      next[j] = bestK;
    }
    const out: number[] = [];
    for (let j = 0; j < bins; ) {
      j = next[j] ?? bins;
      out.push(j * binMs);
    }
    return out;
  };

  const budget = POLL_BUDGET_SHARE * expectedPolls((m) => referencePollOffset(m, cfg), dist, binMs, cfg.timeoutMs);
  const pollsOf = (p: readonly number[]) => expectedPolls((m) => planOffset(p, m, cfg), dist, binMs, cfg.timeoutMs);
  // Price in bins of delay per poll (log10); a higher price, fewer polls.
  let lo = Math.log10((MIN_POLL_PRICE_PACKETS * cfg.packetMs) / binMs);
  let hi = 6;
  let best = plan(10 ** hi);
  if (pollsOf(best) > budget) return best;
  const cheapest = plan(10 ** lo);
  if (pollsOf(cheapest) <= budget) return cheapest;
  // Twelve halvings of about six decades: the price to within 0.4 %, finer than the plan can tell apart.
  for (let i = 0; i < 12; i++) {
    const mid = (lo + hi) / 2;
    const candidate = plan(10 ** mid);
    if (pollsOf(candidate) <= budget) {
      best = candidate;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return best;
}
