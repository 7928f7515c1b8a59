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
    console.log('\n2. Load: 1,000 concurrent conversations (engine, live messages, a real store file; chat is a no-op) against the simulator (goal: RSS < 150 MB, lag p99 < 20 ms)');
    const rows = [loadRun('in-process'), loadRun('child')];
    console.table(
      rows.map((r) => ({ simulator: r.simulator, checks: r.checks, correct: r.correct, wall_ms: r.wallMs, peak_rss_mb: r.peakRssMb, lag_p99_ms: r.lagP99Ms, lag_max_ms: r.lagMaxMs, api_requests: r.requests })),
    );
    for (const r of rows) if (r.wrong.length > 0) console.log(`wrong verdicts (${r.simulator}):`, r.wrong.slice(0, 10));
  }
  if (!only || only === 'burst') {
    const { runBurst } = await import('../test/support/burst.js');
    console.log('\n4. Burst: 200 distinct checks at once, 3 s tasks, PING_API_RATE_PER_MIN=100, SLACK_EDITS_PER_MIN=45 (virtual time; goal: 200 verdicts, 0 timed out, 0 unread tasks, total <= 1.3x requests/rate)');
    const rows = [];
    for (const checks of [60, 120, 200, 400]) {
      const r = await runBurst({ checks, ratePerMin: 100, taskMs: 3000, editsPerMin: 45, minEditIntervalMs: 1500 });
      rows.push({
        checks: r.checks,
        verdicts: r.realVerdicts,
        timed_out: r.timedOut,
        unread_tasks: r.createdNeverRead,
        told: r.told,
        requests: r.requests,
        budget_bound_s: r.budgetBoundMs / 1000,
        total_s: r.totalMs / 1000,
        ratio: r.ratio,
        max_ahead_shown: r.maxAheadShown,
        messages_final: `${r.messagesOnVerdict}/${r.messages}`,
        last_message_final_s: r.lastMessageFinalMs / 1000,
        edit_bound_s: r.editBoundMs / 1000,
        progress_edits: r.progressEdits,
      });
    }
    console.table(rows);
  }
  if (!only || only === 'store') {
    const { benchStore } = await import('./store.js');
    console.log('\n4. Store: SQLite writes per check on a file in WAL mode (insert, root card, status message, task id, polling, verdict, notification x2, delivered)');
    console.table([benchStore(5000)]);
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
