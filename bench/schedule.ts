import { documentedPollOffset, pollOffset, TASK_MODEL, type ScheduleConfig } from '../src/core/schedule.js';
import { seededRandom } from '../src/sim/seeded.js';

/** Detection delay (task ready → verdict seen) and polls for one task under one schedule. */
export function detect(durationMs: number, offset: (attempt: number) => number): { delayMs: number; polls: number } {
  for (let n = 1; ; n++) {
    const t = offset(n);
    if (t >= durationMs) return { delayMs: t - durationMs, polls: n };
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}


export interface ScheduleRow {
  workload: string;
  schedule: string;
  medianDelayMs: number;
  p90DelayMs: number;
  meanPolls: number;
}

/** Compares our schedule with the documented one over two workloads of task durations. */
export function benchSchedule(cfg: ScheduleConfig, samples = 20_000): ScheduleRow[] {
  const rand = seededRandom(42);
  // Realistic: the packet count we asked for (1-12) times a second, plus WispHub's overhead.
  const realistic = Array.from({ length: samples }, () => {
    const packets = 1 + Math.floor(rand() * 12);
    const duration = (packets + TASK_MODEL.overheadMin + rand() * (TASK_MODEL.overheadMax - TASK_MODEL.overheadMin)) * cfg.packetMs;
    return { packets, duration };
  });
  // Adversarial: durations spread uniformly over 1-15 s whatever the packet count (4).
  const uniform = Array.from({ length: samples }, () => ({ packets: 4, duration: 1000 + rand() * 14_000 }));

  const rows: ScheduleRow[] = [];
  for (const [workload, tasks] of [
    ['realistic (1-12 packets, 1.3-13.5 s)', realistic],
    ['uniform 1-15 s, 4 packets', uniform],
  ] as const) {
    for (const [name, offsetFor] of [
      ['pingops', (p: number) => (n: number) => pollOffset(n, p, cfg)],
      ['documented (2.5 s, then every 2 s)', () => documentedPollOffset],
    ] as const) {
      const results = tasks.map((t) => detect(t.duration, offsetFor(t.packets)));
      const delays = results.map((r) => r.delayMs).sort((a, b) => a - b);
      rows.push({
        workload,
        schedule: name,
        medianDelayMs: Math.round(quantile(delays, 0.5)),
        p90DelayMs: Math.round(quantile(delays, 0.9)),
        meanPolls: Number((results.reduce((s, r) => s + r.polls, 0) / results.length).toFixed(2)),
      });
    }
  }
  return rows;
}
