import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun } from './load.js';
import { benchBursts, benchSchedule, benchUnseen, type ScheduleRow } from './schedule.js';

/** Whether dist/ is at least as new as every file in src/ (what bin/launch.js checks). */
function distIsFresh(): boolean {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), statSync(dir).mtimeMs);
  const dist = join(root, 'dist', 'main.js');
  return existsSync(dist) && statSync(dist).mtimeMs >= newest(join(root, 'src'));
}

/** `npm run bench`: prints the numbers the issues set targets for. Not part of `npm test`. */
async function main() {
  const only = process.argv[2];
  if (!only || only === 'schedule') {
    const samples = 2000;
    const warmup = 1000;
    console.log(`\n1. Poll schedule: detection delay (task ready -> verdict seen) and polls per verdict, the same ${samples} task durations per workload for every schedule`);
    console.log(`   The learning schedule starts from the packet model, is never told the workload, watches ${warmup} tasks of it first and keeps learning while measured.`);
    const r = benchSchedule({ initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 }, samples, warmup);
    // As the table: median / p90 detection delay and mean polls per verdict, per schedule.
    const cell = (row: ScheduleRow | undefined) => (row ? `${row.medianDelayMs} / ${row.p90DelayMs} ms / ${row.meanPolls}` : '');
    const workloads = [...new Set(r.rows.map((x) => x.workload))];
    console.table(
      workloads.map((w) => {
        const [today, learning, documented] = r.rows.filter((x) => x.workload === w);
        return { workload: w, 'pingops today': cell(today), 'pingops learning': cell(learning), 'documented (2.5 s, then every 2 s)': cell(documented) };
      }),
    );
    console.log('   Goals of the learning schedule. [not in the issue]: written before the learner\'s constants were tuned, but the constants were');
    console.log('   then tuned with them in view. [added after tuning was frozen]: written afterwards and run as they came.');
    console.table(r.goals);
    console.log(
      [
        '   Why: the learner keeps a duration histogram per packet count, seeded by the packet model and updated from the interval each task',
        '   was seen to end in, and places polls where the learned durations are, within the documented strategy\'s expected polls under that',
        '   belief. Where durations are spread evenly (uniform) there is nothing to learn and the plan becomes an even grid like the',
        '   documented one. Where a key has seen few tasks (12 packet counts share the warm-up in the 1-12 packet workloads) its belief is',
        '   still wide, which costs delay. Today\'s schedule wins only where durations follow the packet model it was tuned on.',
      ].join('\n'),
    );
    // Issue 18: on a workload it has not seen, with a few dozen checks to learn from, the learner
    // spent more polls than the documented strategy. Constants frozen, new durations drawn.
    const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 };
    const unseen = (capped: boolean) => benchUnseen(cfg, { seenCounts: [0, 30, 100], capped });
    const before = unseen(false);
    const now = unseen(true);
    console.log('\n   Unseen workloads (drawn after the constants were frozen): the first 40 checks after 0, 30 or 100 tasks of the workload,');
    console.log('   40 fresh learners each; mean polls per verdict and median / p90 detection delay. "before": the plan as it was before issue 18;');
    console.log('   "now": held to the documented pace until the model has seen TRUSTED_OBSERVED tasks, every check capped as runCheck caps it.');
    console.table(
      now.map((r, i) => {
        const b = before[i];
        return {
          workload: r.workload,
          seen: r.seen,
          'polls now / before / documented': `${r.learnedPolls} / ${b?.learnedPolls ?? '?'} / ${r.documentedPolls}`,
          'delay now (median / p90)': `${r.learnedMedianMs} / ${r.learnedP90Ms} ms`,
          'delay before': b ? `${b.learnedMedianMs} / ${b.learnedP90Ms} ms` : '?',
          'delay documented': `${r.documentedMedianMs} / ${r.documentedP90Ms} ms`,
          'polls <= documented': r.learnedPolls <= r.documentedPolls,
        };
      }),
    );
    const burstRows = benchBursts(cfg);
    console.log(`\n   Successive bursts: ${burstRows[0]?.pollsByBurst.length ?? 0} bursts of 1,000 checks on one fresh learner per workload, each burst planned at once and`);
    console.log('   observed together before the next (as a morning burst through the bot); mean polls per verdict and median delay, burst by burst.');
    console.table(
      burstRows.map((r) => ({
        workload: r.workload,
        'polls by burst': r.pollsByBurst.join(' / '),
        'median delay by burst (ms)': r.medianMsByBurst.join(' / '),
        documented: r.documentedPolls,
        'every burst <= documented': r.pollsByBurst.every((p) => p <= r.documentedPolls),
      })),
    );
  }
  if (!only || only === 'load') {
    console.log('\n2. Load: concurrent checks against the simulator (goals: lag p99 < 20 ms at 1,000, RSS < 150 MB at 2,000, CPU per request within 1.3x of a plain fetch poller)');
    console.log('   pingops as in production: the learning schedule, the default logger writing info to a file, a budget of 60,000 requests a minute (burst 15,000).');
    console.log('   The machine has 2 cores shared with other work: lag and CPU figures vary run to run.');
    console.log('   2,000 checks are two watchers on each of the simulator\'s 1,000 lines (one task each, single-flight).');
    // What this machine does to an idle process right now: the floor under every lag figure below.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 5000));
    idle.disable();
    console.log(`   An idle process on this machine now: lag p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms, max ${(idle.max / 1e6).toFixed(1)} ms (10 ms is the sampling resolution).`);
    const logDir = mkdtempSync(join(tmpdir(), 'pingops-bench-load-'));
    const log = (name: string) => join(logDir, name);
    // The goal rows run three times each (the machine is shared); the table shows every run.
    const rows = [
      ...[1, 2, 3].map((i) => loadRun('child', 1000, log(`a${i}.log`))),
      loadRun('child', 2000, log('b.log')),
      loadRun('child', 1000, null),
      ...[1, 2, 3].map(() => loadRun('child', 1000, null, 'plain')),
      loadRun('in-process', 1000, log('c.log')),
      // The whole conversation (engine, live messages, a real store file), as a chat surface runs it.
      loadRun('child', 1000, log('d.log'), 'conversation'),
    ];
    rmSync(logDir, { recursive: true, force: true });
    console.table(
      rows.map((r) => ({ engine: r.engine, logger: r.logger, simulator: r.simulator, checks: r.checks, correct: r.correct, wall_ms: r.wallMs, peak_rss_mb: r.peakRssMb, lag_p99_ms: r.lagP99Ms, lag_max_ms: r.lagMaxMs, api_requests: r.requests, cpu_us_per_request: r.cpuUsPerRequest })),
    );
    for (const r of rows) if (r.wrong.length > 0) console.log(`wrong verdicts (${r.engine}, ${r.simulator}):`, r.wrong.slice(0, 10));
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? NaN;
    const ours = rows.slice(0, 3);
    const plain = rows.slice(5, 8);
    const at2000 = rows[3];
    const talks = rows.find((r) => r.engine === 'pingops conversations');
    if (at2000 && talks) {
      const lag = mid(ours.map((r) => r.lagP99Ms));
      const plainLag = mid(plain.map((r) => r.lagP99Ms));
      const cpu = mid(ours.map((r) => r.cpuUsPerRequest));
      const plainCpu = mid(plain.map((r) => r.cpuUsPerRequest));
      const ratio = cpu / Math.max(1, plainCpu);
      console.table([
        { goal: 'lag p99 < 20 ms at 1,000 checks (info to a file), median of 3', figure: `${lag} ms (plain fetch poller ${plainLag} ms)`, met: lag < 20 },
        { goal: 'RSS < 150 MB at 2,000 checks (info to a file)', figure: `${at2000.peakRssMb} MB`, met: at2000.peakRssMb < 150 },
        { goal: 'CPU per request within 1.3x of a plain fetch poller, medians of 3', figure: `${cpu} vs ${plainCpu} us (${ratio.toFixed(2)}x)`, met: ratio <= 1.3 },
        { goal: 'RSS < 150 MB at 1,000 whole conversations (engine, live messages, store file)', figure: `${talks.peakRssMb} MB, lag p99 ${talks.lagP99Ms} ms`, met: talks.peakRssMb < 150 },
      ]);
    }
  }
  if (!only || only === 'start') {
    const { benchStart } = await import('./start.js');
    console.log('\n3. Start: npm start to ready and the CLI\'s overhead on top of its check (median of 5; the machine\'s 2 cores are shared, so figures vary run to run)');
    if (!distIsFresh()) {
      // As after npm install: the build is up to date, so bin/ runs it.
      console.log('   dist/ is older than src/: building it first (npm run build)');
      execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    }
    console.log(`   dist/ is ${distIsFresh() ? 'up to date, so bin/ runs the built JS' : 'STILL older than src/, so bin/ runs the sources through tsx'}`);
    console.table(await benchStart(5));
  }
  if (!only || only === 'cli') {
    const { benchCliRequests } = await import('./cli-requests.js');
    console.log('\n4. Requests per verdict through the CLI (a new process per check; the simulator at real speed in its own process)');
    console.table(await benchCliRequests());
  }
  if (!only || only === 'burst') {
    const { runBurst } = await import('../test/support/burst.js');
    console.log('\n5. Burst: 200 distinct checks at once, 3 s tasks, PING_API_RATE_PER_MIN=100, SLACK_EDITS_PER_MIN=45 (virtual time; goal: 200 verdicts, 0 timed out, 0 unread tasks, total <= 1.3x requests/rate)');
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
    console.log('\n6. Store: SQLite writes per check on a file in WAL mode (insert, root card, status message, task id, polling, verdict, notification x2, delivered); beside them a request held at its ack and released (chat/held-requests), the pair awaited');
    console.table([await benchStore(5000)]);
    const { benchBackends } = await import('./store-backends.js');
    console.log('\n   SQLite next to PostgreSQL (the machine\'s server on 127.0.0.1, a fresh database), one process: each check\'s 9 writes and its verdict in the result cache, awaited in turn;');
    console.log('   write latency one check at a time, then checks per second with 50 checks in flight. The machine\'s 2 cores are shared: figures vary run to run.');
    const backends = await benchBackends(2000);
    console.table(backends.rows);
    if (backends.note) console.log(`   ${backends.note}`);
  }
  if (!only || only === 'replicas') {
    const { benchReplicas } = await import('./replicas.js');
    const r = await benchReplicas(Number(process.argv[3] ?? 2000), Number(process.argv[4] ?? 2000));
    console.log('\n9. Replicas: the request budget every replica shares (issue 16). Its cost per request: one draw from the store\'s bucket');
    console.log('   (a row under the store\'s lock), one token a draw and five (the queue\'s batch), next to the in-process bucket it replaced:');
    console.table(r.cost);
    console.log('   Checks per second, every check in flight at once, tasks done at the first poll (2 requests a check), PING_API_RATE_PER_MIN 100,000');
    console.log('   (98,350 a minute sustained: at most ~820 checks/s whatever the replicas): replicas in this process, each with its own pool.');
    console.table(r.throughput);
    if (r.order) {
      console.log('   The class order across two replicas on one PostgreSQL bucket, real time at 100 a minute (88 after the burst): polls on B');
      console.log("   (tasks already created) go before A's new checks; two replicas' people share the tokens; B's next person's ETA counts B's share.");
      console.table(r.order);
    }
    if (r.note) console.log(`   ${r.note}`);
  }
  if (only === 'noc') {
    const { benchNoc } = await import('./noc.js');
    console.log('\n4. NOC watcher: three simulated hours, 2,000 clients on 40 routers, `all` watched, 100 req/min at 50 %; runs with different outage times');
    await benchNoc(Number(process.argv[3] ?? 5));
  }
  if (!only || only === 'storm') {
    const { benchIntake, benchOutage } = await import('./storm.js');
    console.log('\n8. Alert storms: Alertmanager notifications through the hooks route into the store (wall time, loopback, SQLite file)');
    console.table([await benchIntake(5, 1000), await benchIntake(20, 100)]);
    console.log('   Requests spent on a router outage reported by 100 alerts in one notification (virtual time, 100 req/min, the NOC at 50 %)');
    console.table(await benchOutage(100));
  }
  if (!only || only === 'exchange') {
    const { benchExchange } = await import('./exchange.js');
    const rounds = Number(process.argv[3] ?? 3);
    console.log(`\n7a. One HTTP exchange: the client process's CPU per request, 10,000 POSTs with 50 in flight after as many to warm up, against the simulator in another process; ${rounds} rounds, each client in a fresh process`);
    console.log("   The chat benches' goal is CPU per Ping API request against a plain fetch poller: this is how much of that poller's figure is fetch itself.");
    console.table(await benchExchange(rounds));
  }
  if (!only || only === 'slack') {
    const { printSlackAck } = await import('./chat.js');
    await printSlackAck(Number(process.argv[3] ?? 5));
  }
  if (!only || only === 'discord') {
    const { printDiscordDeferral } = await import('./discord.js');
    await printDiscordDeferral(Number(process.argv[3] ?? 5));
  }
  if (!only || only === 'chat') {
    const { printChatPath } = await import('./chat.js');
    const args = process.argv.slice(3);
    await withDiagnostics(args, () => printChatPath(Number(args.find((a) => /^\d+$/.test(a)) ?? 3), args.includes('--cpu-prof')));
  }
  if (!only || only === 'discord-chat') {
    const { printDiscordChatPath } = await import('./discord.js');
    const args = process.argv.slice(3);
    await withDiagnostics(args, () => printDiscordChatPath(Number(args.find((a) => /^\d+$/.test(a)) ?? 3), args.includes('--cpu-prof')));
  }
}

/**
 * The chat benches' diagnostics, each written by the bot's and the floor's probe (bench/bot-probe)
 * into a directory of its own and summed up after the tables:
 * - `--alloc-prof`: what each allocated in each measured window (bench/alloc-top);
 * - `--lag-turns`: the turns that held the event loop back, and with `--cpu-prof` what ran in
 *   them (bench/late-turns). `bench` resolves with the run's CPU profiles.
 */
async function withDiagnostics(args: string[], bench: () => Promise<string[]>): Promise<void> {
  const dirs = {
    BENCH_ALLOC_PROF_DIR: args.includes('--alloc-prof') ? mkdtempSync(join(tmpdir(), 'pingops-alloc-prof-')) : null,
    BENCH_LAG_TURNS_DIR: args.includes('--lag-turns') ? mkdtempSync(join(tmpdir(), 'pingops-lag-turns-')) : null,
  };
  for (const [name, dir] of Object.entries(dirs)) if (dir) process.env[name] = dir;
  let profiles: string[];
  try {
    profiles = await bench();
  } finally {
    for (const name of Object.keys(dirs)) delete process.env[name];
  }
  if (dirs.BENCH_ALLOC_PROF_DIR) {
    const dir = dirs.BENCH_ALLOC_PROF_DIR;
    const { printAllocationProfiles } = await import('./alloc-top.js');
    printAllocationProfiles(readdirSync(dir).filter((f) => f.endsWith('.heapprofile')).map((f) => join(dir, f)));
  }
  if (dirs.BENCH_LAG_TURNS_DIR) {
    const { printLateTurns, readLateTurns } = await import('./late-turns.js');
    printLateTurns(readLateTurns(dirs.BENCH_LAG_TURNS_DIR), profiles);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
