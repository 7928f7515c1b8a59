import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.js';
import { benchSchedule } from './schedule.js';

/** Each load run gets a fresh process: peak RSS must not include an earlier run's heap. */
function loadRun(where: 'in-process' | 'child'): LoadResult {
  const script = fileURLToPath(new URL('./load-one.js', import.meta.url));
  const out = execFileSync(process.execPath, [script, where, '1000'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}

/** `npm run bench`: prints the numbers the issues set targets for. Not part of `npm test`. */
async function main() {
  const only = process.argv[2];
  if (!only || only === 'schedule') {
    console.log('\n1. Poll schedule: detection delay (task ready -> verdict seen) and polls per verdict, 20,000 tasks per row');
    console.table(benchSchedule({ initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000 }));
  }
  if (!only || only === 'load') {
    console.log('\n2. Load: 1,000 concurrent checks against the simulator in one process (goal: RSS < 150 MB, lag p99 < 20 ms)');
    const rows = [loadRun('in-process'), loadRun('child')];
    console.table(
      rows.map((r) => ({ simulator: r.simulator, checks: r.checks, correct: r.correct, wall_ms: r.wallMs, peak_rss_mb: r.peakRssMb, lag_p99_ms: r.lagP99Ms, lag_max_ms: r.lagMaxMs, api_requests: r.requests })),
    );
    for (const r of rows) if (r.wrong.length > 0) console.log(`wrong verdicts (${r.simulator}):`, r.wrong.slice(0, 10));
  }
  if (only === 'noc') {
    const { benchNoc } = await import('./noc.js');
    console.log('\n4. NOC watcher: three simulated hours, 2,000 clients on 40 routers, `all` watched, 100 req/min at 50 %; runs with different outage times');
    await benchNoc(Number(process.argv[3] ?? 5));
  }
  if (!only || only === 'slack') {
    const { benchSlackAck } = await import('./slack-ack.js');
    console.log('\n3. Slack: slash-command ack latency under 50 concurrent commands (goal: p99 < 100 ms)');
    console.table(await benchSlackAck(50));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
