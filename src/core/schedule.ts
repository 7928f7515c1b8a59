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

/** The documented strategy (first poll at 2.5 s, then every 2 s), for comparison in benchmarks. */
export function documentedPollOffset(attempt: number): number {
  return 2500 + (attempt - 1) * 2000;
}
