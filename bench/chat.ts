/**
 * The chat path as people use it: the real bot (`src/main.js`, as `npm start` runs it: with its Node flags, logs at
 * info to a file) with Slack in HTTP mode, against the fake Slack and the Ping API simulator in
 * another process and Slack's side (signed commands) in a third, all on 127.0.0.1.
 *
 * - `npm run bench -- slack`: ack round trips of 50 signed `/ping` at once (50 people), cold
 *   (the first burst after start) and warm (3 s later), pingops next to a bare Bolt app with an
 *   ack-only handler on the same receiver, five rounds, each app in a fresh process.
 * - `npm run bench -- chat`: 1,000 checks through Slack end to end (ack, the person (the 1,000 are members, read with users.list at start), look-up,
 *   posts, live edits, store), next to a plain fetch poller doing the same pings; peak RSS, CPU
 *   per Ping API request and event-loop lag of the bot's own process (bench/bot-probe); beside
 *   them the floor (bench/bare-chat-child): a bare Bolt app that gives people the same three
 *   messages per check by the poller's own means (fetch), and nothing else.
 *   `-- chat --cpu-prof` also writes a V8 CPU profile of each bot run (both batches) and each floor
 *   run, and prints their top entries.
 */
import { fork, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeReport } from './bot-probe.js';
import type { PeerStats } from './chat-peers-child.js';
import { printProfiles } from './cpu-top.js';
import { loadRun, type LoadResult } from './load.js';
import { env as cleanEnv } from './start.js';
import { startEnv, startFlags } from './start-flags.js';

const SECRET = 'bench-signing-secret';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
/** The Node flags `npm start` runs the bot with (package.json, beside dist-bench/). */
export const BOT_FLAGS = startFlags(here('../../package.json'));
/** The environment `npm start` sets (glibc's allocator settings). */
export const BOT_ENV = startEnv(here('../../package.json'));

/** Waits for the first IPC message carrying `key`, within `ms`. */
export function reply<T>(child: ChildProcess, key: string, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no '${key}' from the child within ${ms} ms`));
    }, ms);
    const on = (m: unknown) => {
      if (m && typeof m === 'object' && key in m) {
        clearTimeout(timer);
        child.off('message', on);
        resolve((m as Record<string, T>)[key] as T);
      }
    };
    child.on('message', on);
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

interface Peers {
  slackApiUrl: string;
  responseUrl: string;
  simUrl: string;
  mark(): Promise<void>;
  stats(): Promise<PeerStats>;
  close(): Promise<void>;
}

async function startPeers(speed: number): Promise<Peers> {
  const child = fork(here('./chat-peers-child.js'), [String(speed)], { stdio: 'ignore' });
  const urls = await new Promise<{ slackApiUrl: string; responseUrl: string; simUrl: string }>((resolve) => child.once('message', (m) => resolve(m as never)));
  return {
    ...urls,
    mark: async () => {
      const r = reply(child, 'marked');
      child.send('mark');
      await r;
    },
    stats: async () => {
      const r = reply<PeerStats>(child, 'stats');
      child.send('stats');
      return r;
    },
    close: async () => {
      child.disconnect();
      await exited(child);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A process the bots' probe measures (bench/bot-probe), over a window the bench opens and closes. */
export type Probed = Pick<Bot, 'probeStart' | 'probeReport'>;

interface Bot {
  url: string;
  probeStart(): void;
  /** The probe's report, and the most file descriptors the bot had open at once in the window (sockets to Slack and the Ping API, the store's files). */
  probeReport(): Promise<ProbeReport & { peakFds: number }>;
  /** SIGTERM, as a deploy stops it (checks in flight get the bot's grace), then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** The bot's settings for Slack in HTTP mode against the peers. */
const slackEnv = (peers: Peers): Record<string, string> => ({
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: peers.slackApiUrl,
  PING_API_URL: peers.simUrl,
});

/** The real bot in its own process (its surfaces and peers in `env`), ready (`/readyz` 200) before this resolves. */
export async function startBot(dir: string, env: Record<string, string>, cpuProfDir: string | null): Promise<Bot> {
  const port = await freePort();
  const log = openSync(join(dir, 'bot.log'), 'a');
  const child = fork(here('../src/main.js'), [], {
    cwd: dir,
    execArgv: [...BOT_FLAGS, '--import', here('./bot-probe.js'), ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])],
    env: cleanEnv({
      PORT: String(port),
      PINGOPS_DB: join(dir, 'pingops.db'),
      LOG_LEVEL: 'info',
      LOCALE: 'en',
      // A production-sized budget, so the budget is not what is measured.
      PING_API_RATE_PER_MIN: '60000',
      // A credential, as every real deployment has: the provider identity's scrypt runs once at
      // start, and its 16 MB buffer is part of what a real bot holds (the simulator ignores the key).
      PING_API_KEY: 'bench-ping-api-key',
      ...BOT_ENV,
      PING_QUEUE_MAX: '100000',
      // `--alloc-prof` and `--lag-turns` (bench/bot-probe): the bot samples its allocations or marks its late turns too.
      ...(process.env.BENCH_ALLOC_PROF_DIR ? { BENCH_ALLOC_PROF_DIR: process.env.BENCH_ALLOC_PROF_DIR } : {}),
      ...(process.env.BENCH_LAG_TURNS_DIR ? { BENCH_LAG_TURNS_DIR: process.env.BENCH_LAG_TURNS_DIR } : {}),
      ...env,
    }),
    stdio: ['ignore', 'ignore', log, 'ipc'],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bot exited during start (code ${child.exitCode}); see ${join(dir, 'bot.log')}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('the bot was not ready within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const probe = probed(child);
  return {
    url: `${url}/slack/events`,
    ...probe,
    stop: async () => {
      probe.stopSampler();
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(kill);
    },
  };
}

/** The probe of a process started with `--import bot-probe.js`, and its open files counted from here. */
function probed(child: ChildProcess): Probed & { stopSampler(): void } {
  // Counted from here, not inside the child: reading its /proc fd directory costs this process, not the one measured.
  const openFds = () => {
    try {
      return readdirSync(`/proc/${child.pid}/fd`).length;
    } catch {
      return 0;
    }
  };
  let peakFds = 0;
  let fdSampler: NodeJS.Timeout | undefined;
  return {
    probeStart: () => {
      child.send('probe:start');
      peakFds = openFds();
      clearInterval(fdSampler);
      fdSampler = setInterval(() => (peakFds = Math.max(peakFds, openFds())), 50);
    },
    probeReport: async () => {
      const r = reply<ProbeReport>(child, 'probe');
      child.send('probe:report');
      const report = await r;
      clearInterval(fdSampler);
      return { ...report, peakFds: Math.max(peakFds, openFds()) };
    },
    stopSampler: () => clearInterval(fdSampler),
  };
}

async function startBareBolt(peers: Peers): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(here('./bare-bolt-child.js'), [JSON.stringify({ signingSecret: SECRET, slackApiUrl: peers.slackApiUrl })], { stdio: 'ignore' });
  const port = await reply<number>(child, 'port');
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    stop: async () => {
      child.disconnect();
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/**
 * A floor process (`script`, its plan as JSON) with the bots' probe and Node's default flags, as
 * the poller's, and a CPU profile in `cpuProfDir` when given (to set beside the bot's); resolves
 * with its first `readyKey` message.
 */
export async function startFloorChild<T>(script: string, plan: Record<string, unknown>, readyKey: string, cpuProfDir: string | null): Promise<{ ready: T } & Probed & Pick<Bot, 'stop'>> {
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `floor-${process.hrtime.bigint()}.cpuprofile`] : [];
  const child = fork(here(script), [JSON.stringify(plan)], { execArgv: ['--import', here('./bot-probe.js'), ...prof], stdio: 'ignore' });
  const ready = await reply<T>(child, readyKey);
  const probe = probed(child);
  return {
    ready,
    ...probe,
    stop: async () => {
      probe.stopSampler();
      // It exits on the disconnect (writing its profile, which a signal would lose); SIGTERM after 5 s.
      child.disconnect();
      const late = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited(child);
      clearTimeout(late);
    },
  };
}

/** One measured Slack run: `n` signed `/ping` at once (one person each) to `url`, read off the peers to the last verdict and off the app's probe. */
async function slackRun(peers: Peers, url: string, app: Probed, n: number) {
  await peers.mark();
  app.probeStart();
  const t0 = performance.now();
  const [acks = []] = await sendCommands(url, peers.responseUrl, [n], { pauseMs: 0, firstId: 1000, ids: 1000, maxSockets: 50 });
  const done = await verdictsIn(peers.stats, n, 180_000);
  const wallMs = performance.now() - t0;
  const probe = await app.probeReport();
  const slackCalls = Object.values(done.methods).reduce((a, b) => a + b, 0);
  return { acks, done, slackCalls, figures: { verdicts: done.verdicts, wallMs, apiRequests: done.simRequests, exchanges: done.simRequests + slackCalls + n, probe } };
}

/** Slack's side: bursts of signed commands from their own process; resolves with each burst's round trips. */
function sendCommands(url: string, responseUrl: string, bursts: number[], opts: { pauseMs: number; firstId: number; ids: number; maxSockets: number }): Promise<number[][]> {
  const plan = { url, secret: SECRET, responseUrl, bursts, ...opts };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [here('./slack-client-child.js'), JSON.stringify(plan)], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout.trim()) as number[][]);
    });
  });
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
export const median = (xs: number[]) => percentile(xs, 50);
export const range = (xs: number[]) => `${round1(Math.min(...xs))}-${round1(Math.max(...xs))}`;

/** The machine as the run found it: the 1-minute load average on 2 shared cores. */
export function machineNote(): string {
  return `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} (1/5/15 min) on a 2-core machine shared with other work: figures vary run to run`;
}

/** One round of a cold and a warm burst, for one app: the latency percentiles a table prints. */
export interface AckRound {
  round: number;
  app: string;
  cold_p50_ms: number;
  cold_p99_ms: number;
  warm_p50_ms: number;
  warm_p99_ms: number;
}

/** A round's row from the latencies of its cold and its warm burst (ms). */
export const burstRow = (round: number, app: string, [cold = [], warm = []]: readonly number[][]): AckRound => ({
  round,
  app,
  cold_p50_ms: round1(percentile(cold, 50)),
  cold_p99_ms: round1(percentile(cold, 99)),
  warm_p50_ms: round1(percentile(warm, 50)),
  warm_p99_ms: round1(percentile(warm, 99)),
});

/** Slack ack round trips: pingops and a bare Bolt app, `rounds` rounds of a cold and a warm burst of `n`. */
export async function benchSlackAck(rounds = 5, n = 50): Promise<{ rounds: AckRound[]; goals: Record<string, unknown>[] }> {
  const peers = await startPeers(1);
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-ack-'));
  const out: AckRound[] = [];
  const burst = async (url: string) => sendCommands(url, peers.responseUrl, [n, n], { pauseMs: 3000, firstId: 1001, ids: 4, maxSockets: n });
  try {
    for (let r = 1; r <= rounds; r++) {
      // Each app alone on the machine while measured, in alternating order (the first one may meet a busier machine).
      const order = r % 2 === 1 ? (['pingops', 'bare Bolt'] as const) : (['bare Bolt', 'pingops'] as const);
      for (const app of order) {
        if (app === 'pingops') {
          const botDir = mkdtempSync(join(dir, `r${r}-`));
          const bot = await startBot(botDir, slackEnv(peers), null);
          out.push(burstRow(r, app, await burst(bot.url)));
          await bot.stop();
        } else {
          const bare = await startBareBolt(peers);
          out.push(burstRow(r, app, await burst(bare.url)));
          await bare.stop();
        }
      }
    }
  } finally {
    await peers.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (app: string, k: 'cold_p99_ms' | 'warm_p99_ms') => out.filter((x) => x.app === app).map((x) => x[k]);
  const goals = (['cold_p99_ms', 'warm_p99_ms'] as const).map((k) => {
    const ours = median(of('pingops', k));
    const bare = median(of('bare Bolt', k));
    return {
      goal: `Slack ack p99 ${k.startsWith('cold') ? 'cold' : 'warm'} within 2x a bare Bolt app (median of ${rounds} rounds)`,
      pingops: `${ours} ms (${range(of('pingops', k))})`,
      'bare Bolt': `${bare} ms (${range(of('bare Bolt', k))})`,
      ratio: round1(ours / bare),
      met: ours <= 2 * bare,
    };
  });
  return { rounds: out, goals };
}

/**
 * What both whole-chat-path benches (Slack here, Discord in discord.ts) measure of one run, the
 * bot's or the plain poller's beside it; the poller has no probe, so its probe-only figures are ''.
 */
export interface PathFigures {
  engine: string;
  checks: number;
  verdicts: number;
  wall_ms: number;
  peak_rss_mb: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  api_requests: number;
  cpu_us_per_request: number;
  /** The process's CPU (every thread) per check: the job, whatever number of requests it took. */
  cpu_ms_per_check: number;
  /** Every HTTP exchange of the process: Ping API requests, the chat platform's calls, commands received. */
  http_exchanges: number;
  cpu_us_per_exchange: number;
  /** V8 heap in use at the moment of peak RSS (the rest of RSS: heap reserve, code, native). */
  heap_used_at_peak_mb: number | string;
  peak_fds: number | string;
  /** Garbage collections of the bot in the window, and how long they paused its main thread. */
  gc_count: number | string;
  gc_ms: number | string;
}

/** The plain poller's run (bench/load) as the chat-path figures. */
export function pollerFigures(p: LoadResult, n: number): PathFigures {
  return {
    engine: p.engine,
    checks: p.checks,
    verdicts: p.correct,
    wall_ms: p.wallMs,
    peak_rss_mb: p.peakRssMb,
    lag_p99_ms: p.lagP99Ms,
    lag_max_ms: p.lagMaxMs,
    api_requests: p.requests,
    cpu_us_per_request: p.cpuUsPerRequest,
    cpu_ms_per_check: round1((p.cpuUsPerRequest * p.requests) / 1000 / n),
    http_exchanges: p.requests,
    cpu_us_per_exchange: p.cpuUsPerRequest,
    heap_used_at_peak_mb: '',
    peak_fds: '',
    gc_count: '',
    gc_ms: '',
  };
}

/** The bot's run: `n` checks to their verdicts in `wallMs`, what the wire carried, what its probe saw. */
export function botFigures(engine: string, n: number, run: { verdicts: number; wallMs: number; apiRequests: number; exchanges: number; probe: ProbeReport & { peakFds: number } }): PathFigures {
  const { probe } = run;
  return {
    engine,
    checks: n,
    verdicts: run.verdicts,
    wall_ms: Math.round(run.wallMs),
    peak_rss_mb: probe.peakRssMb,
    lag_p99_ms: probe.lagP99Ms,
    lag_max_ms: probe.lagMaxMs,
    api_requests: run.apiRequests,
    cpu_us_per_request: Math.round(probe.cpuUs / Math.max(1, run.apiRequests)),
    cpu_ms_per_check: round1(probe.cpuUs / 1000 / n),
    http_exchanges: run.exchanges,
    cpu_us_per_exchange: Math.round(probe.cpuUs / Math.max(1, run.exchanges)),
    heap_used_at_peak_mb: probe.heapUsedAtPeakMb,
    peak_fds: probe.peakFds,
    gc_count: probe.gcCount,
    gc_ms: probe.gcMs,
  };
}

/** A probed process's CPU by thread (the bot's or the floor's), busiest first, for the bench's log. */
export const threadsLine = (probe: ProbeReport): string =>
  Object.entries(probe.threadsCpuMs)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/** Polls the peers' stats until every check has its verdict notification (or `ms` passed); returns the last stats. */
export async function verdictsIn<S extends { verdicts: number }>(stats: () => Promise<S>, n: number, ms: number): Promise<S> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await stats();
    if (s.verdicts >= n || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Figure = 'peak_rss_mb' | 'lag_p99_ms' | 'cpu_us_per_request' | 'cpu_ms_per_check';
export type RoundFigures = PathFigures & { round: number };
const medianOf = (xs: readonly PathFigures[], k: Figure) => median(xs.map((x) => x[k]));
const rangeOf = (xs: readonly PathFigures[], k: Figure) => range(xs.map((x) => x[k]));

/** A "not a goal" row: the bot's CPU per check against the poller's (medians), with the requests a check took. */
export function perCheckGoal(which: string, bot: readonly PathFigures[], poller: readonly PathFigures[], n: number): Record<string, unknown> {
  const perCheck = (xs: readonly PathFigures[]) => `${medianOf(xs, 'cpu_ms_per_check')} ms (${rangeOf(xs, 'cpu_ms_per_check')}), ${round1(median(xs.map((x) => x.api_requests / n)))} requests per check`;
  return {
    goal: `not a goal: CPU per check, ${which} (medians)`,
    pingops: perCheck(bot),
    'plain poller': perCheck(poller),
    met: `${(medianOf(bot, 'cpu_ms_per_check') / Math.max(0.1, medianOf(poller, 'cpu_ms_per_check'))).toFixed(2)}x`,
  };
}

/**
 * The issue's goals for the whole chat path, one platform: peak RSS, CPU per Ping API request,
 * lag, each the bot's medians over `ours` against the poller's over `poller` (fresh processes),
 * and CPU per exchange beside them (`exchanges` names what the platform's exchanges are).
 */
export function chatPathGoals(platform: string, n: number, ours: readonly RoundFigures[], poller: readonly RoundFigures[], exchanges: string): Record<string, unknown>[] {
  const m = medianOf;
  const rg = rangeOf;
  const cpuRatio = m(ours, 'cpu_us_per_request') / Math.max(1, m(poller, 'cpu_us_per_request'));
  const roundRatios = ours.flatMap((o) => poller.filter((p) => p.round === o.round).map((p) => o.cpu_us_per_request / Math.max(1, p.cpu_us_per_request)));
  return [
    { goal: `peak RSS < 150 MB, ${n} checks through ${platform} (median of ${ours.length})`, pingops: `${m(ours, 'peak_rss_mb')} MB (${rg(ours, 'peak_rss_mb')})`, 'plain poller': `${m(poller, 'peak_rss_mb')} MB (${rg(poller, 'peak_rss_mb')})`, met: m(ours, 'peak_rss_mb') < 150 },
    {
      goal: 'CPU per Ping API request within 1.5x the plain poller (medians)',
      pingops: `${m(ours, 'cpu_us_per_request')} us (${rg(ours, 'cpu_us_per_request')})`,
      'plain poller': `${m(poller, 'cpu_us_per_request')} us (${rg(poller, 'cpu_us_per_request')})`,
      // Both run side by side in each round: the ratio within a round is the steadier figure on a shared machine.
      met: `${cpuRatio.toFixed(2)}x ${cpuRatio <= 1.5 ? 'yes' : 'no'} (by round: ${roundRatios.map((x) => `${x.toFixed(2)}x`).join(', ')})`,
    },
    {
      goal: `not a goal: CPU per HTTP exchange (${exchanges}): the chat path makes ${round1(median(ours.map((x) => x.http_exchanges / Math.max(1, x.api_requests))))} per Ping API request`,
      pingops: `${median(ours.map((x) => x.cpu_us_per_exchange))} us`,
      'plain poller': `${median(poller.map((x) => x.cpu_us_per_exchange))} us`,
      met: '',
    },
    { goal: 'event-loop lag p99 no worse than the plain poller (medians)', pingops: `${m(ours, 'lag_p99_ms')} ms (${rg(ours, 'lag_p99_ms')})`, 'plain poller': `${m(poller, 'lag_p99_ms')} ms (${rg(poller, 'lag_p99_ms')})`, met: m(ours, 'lag_p99_ms') <= m(poller, 'lag_p99_ms') },
  ];
}

export type ChatRow = {
  round: number;
  /** `first`: the first n checks of a fresh process; `second`: the next n in the same process (code compiled, schedule learned). */
  batch: 'first' | 'second';
} & PathFigures & {
    /** Slack Web API calls (and response_url posts) per check, up to the last verdict. */
    slack_calls_per_check: number | string;
    ack_p99_ms: number | string;
    'chat.update': number | string;
    same_as_before: number | string;
    updates_after_last_verdict: number | string;
    of_them_running_views: number | string;
    log_lines: number | string;
  };

/** Waits until no chat.update has gone out for 3 s (the bot's queued final edits are out); false when `ms` passed first. */
async function editsSettled(peers: Peers, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let last = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const { updates } = await peers.stats();
    if (updates !== last) {
      last = updates;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 3000) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const PINGOPS = 'pingops via Slack (HTTP, Bolt)';
const POLLER = 'plain fetch poller';
const FLOOR = 'floor: bare Bolt, fetch, 3 posts';

/**
 * The floor beside the goal: what a bare Bolt app giving each person pingops' three messages
 * costs per Ping API request against the poller, and pingops against that floor (medians of the
 * rounds, and the ratio within each round, where all three ran side by side).
 */
export function floorGoals(ours: readonly RoundFigures[], floor: readonly RoundFigures[], poller: readonly RoundFigures[], what: string): Record<string, unknown>[] {
  const ratio = (a: readonly RoundFigures[], b: readonly RoundFigures[]) => {
    const byRound = a.flatMap((x) => b.filter((y) => y.round === x.round).map((y) => x.cpu_us_per_request / Math.max(1, y.cpu_us_per_request)));
    return `${(medianOf(a, 'cpu_us_per_request') / Math.max(1, medianOf(b, 'cpu_us_per_request'))).toFixed(2)}x (by round: ${byRound.map((x) => `${x.toFixed(2)}x`).join(', ')})`;
  };
  return [
    {
      goal: `not a goal: the floor (${what}): CPU per Ping API request`,
      pingops: `floor ${medianOf(floor, 'cpu_us_per_request')} us (${rangeOf(floor, 'cpu_us_per_request')}), ${median(floor.map((x) => x.cpu_ms_per_check))} ms per check`,
      'plain poller': `${medianOf(poller, 'cpu_us_per_request')} us`,
      met: `floor ${ratio(floor, poller)} the poller`,
    },
    { goal: 'not a goal: pingops against the floor, CPU per Ping API request', pingops: `${medianOf(ours, 'cpu_us_per_request')} us`, 'plain poller': '', met: `${ratio(ours, floor)} the floor` },
  ];
}

/**
 * The whole chat path, `rounds` times: `n` checks through the real Bolt app over HTTP next to a
 * plain fetch poller doing the same pings, and (unless `floor` is false) through the floor on the
 * same peers while no bot runs, before the bot in even rounds and after it in odd ones. The
 * trailing window counts chat.update calls that still go out after the last verdict.
 */
export async function benchChatPath(rounds = 3, n = 1000, opts: { cpuProf?: boolean; trailingMs?: number; floor?: boolean } = {}): Promise<{ rows: ChatRow[]; goals: Record<string, unknown>[]; profiles: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-chat-'));
  const profDir = opts.cpuProf ? mkdtempSync(join(tmpdir(), 'pingops-cpu-prof-')) : null;
  const rows: ChatRow[] = [];
  const trailingMs = opts.trailingMs ?? 15_000;
  try {
    for (let r = 1; r <= rounds; r++) {
      const plain = (batch: ChatRow['batch']) => {
        rows.push({
          round: r,
          batch,
          ...pollerFigures(loadRun('child', n, null, 'plain', batch === 'second'), n),
          slack_calls_per_check: '',
          ack_p99_ms: '',
          'chat.update': '',
          same_as_before: '',
          updates_after_last_verdict: '',
          of_them_running_views: '',
          log_lines: '',
        });
      };
      const plainBoth = () => {
        plain('first');
        plain('second');
      };
      if (r % 2 === 0) plainBoth();
      const peers = await startPeers(1);
      /** n checks through the floor, a fresh process on the bot's peers, while no bot runs. */
      const floorBatch = async (): Promise<ChatRow> => {
        const floor = await startFloorChild<number>('./bare-chat-child.js', { signingSecret: SECRET, slackApiUrl: peers.slackApiUrl, simUrl: peers.simUrl }, 'port', profDir);
        const url = `http://127.0.0.1:${floor.ready}/slack/events`;
        try {
          const { acks, done, slackCalls, figures } = await slackRun(peers, url, floor, n);
          console.log(`   round ${r}: the floor's CPU by thread (ms): ${threadsLine(figures.probe)}`);
          return {
            round: r,
            batch: 'first',
            ...botFigures(FLOOR, n, figures),
            slack_calls_per_check: round1(slackCalls / n),
            ack_p99_ms: round1(percentile(acks, 99)),
            'chat.update': done.updates,
            same_as_before: '',
            updates_after_last_verdict: '',
            of_them_running_views: '',
            log_lines: '',
          };
        } finally {
          await floor.stop();
        }
      };
      // Before the bot in even rounds, after it in odd ones, as the poller alternates.
      const floorAt = opts.floor === false ? null : r % 2 === 0 ? 'before' : 'after';
      try {
        if (floorAt === 'before') rows.push(await floorBatch());
        const botDir = mkdtempSync(join(dir, `r${r}-`));
        // The plain poller's deadline (15 s) and a high edit budget: every view may go out.
        // The result cache off: the second batch pings the same lines again instead of answering from it
        // (within a batch every line is checked once, so the first batch is what it is with the cache on).
        const bot = await startBot(botDir, { ...slackEnv(peers), PING_TIMEOUT_MS: '15000', SLACK_EDITS_PER_MIN: '1000', PINGOPS_USER_RATE_PER_MIN: '10000', PING_RESULT_CACHE_MS: '0' }, profDir);
        const logLines = () => readFileSync(join(botDir, 'bot.log'), 'utf8').split('\n').length - 1;
        /** n checks through the running bot, measured from a fresh mark; the first waits out the trailing window. */
        const botBatch = async (batch: ChatRow['batch']): Promise<ChatRow> => {
          const lines0 = logLines();
          const { acks, done, slackCalls, figures } = await slackRun(peers, bot.url, bot, n);
          console.log(`   round ${r}, ${batch} ${n}: the bot's CPU by thread (ms): ${threadsLine(figures.probe)}`);
          // Which calls make up slack_calls_per_check: the exchanges per check are where the chat path's CPU goes.
          console.log(`   round ${r}, ${batch} ${n}: Slack Web API calls: ${Object.entries(done.methods).sort((a, b) => b[1] - a[1]).map(([method, count]) => `${method} ${count} (${round1(count / n)} per check)`).join(', ') || 'none'}`);
          if (batch === 'first') await new Promise((res) => setTimeout(res, trailingMs));
          const after = await peers.stats();
          return {
            round: r,
            batch,
            ...botFigures(PINGOPS, n, figures),
            slack_calls_per_check: round1(slackCalls / n),
            ack_p99_ms: round1(percentile(acks, 99)),
            'chat.update': after.updates,
            same_as_before: after.sameAsBefore,
            updates_after_last_verdict: batch === 'first' ? after.updatesAfterLastVerdict : '',
            of_them_running_views: batch === 'first' ? after.runningAfterLastVerdict : '',
            log_lines: logLines() - lines0,
          };
        };
        try {
          rows.push(await botBatch('first'));
          // The edit budget (1,000 a minute here) still owes finals of the first batch: the second starts once they are out.
          if (!(await editsSettled(peers, 180_000))) console.log(`   round ${r}: the first batch's edits were still going out after 180 s; the second batch starts beside them`);
          rows.push(await botBatch('second'));
        } finally {
          await bot.stop();
        }
        if (floorAt === 'after') rows.push(await floorBatch());
      } finally {
        await peers.close();
      }
      if (r % 2 === 1) plainBoth();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (engine: string, batch: ChatRow['batch']) => rows.filter((x) => x.batch === batch && x.engine === engine);
  const ours = of(PINGOPS, 'first');
  const plain = of(POLLER, 'first');
  const oursWarm = of(PINGOPS, 'second');
  const plainWarm = of(POLLER, 'second');
  const floor = of(FLOOR, 'first');
  const goals = [
    ...chatPathGoals('Slack', n, ours, plain, 'Ping API, Slack Web API, commands in'),
    ...(floor.length ? floorGoals(ours, floor, plain, 'bare Bolt acks, pings as the poller, posts the 3 messages with fetch; no edits, store, logs or look-ups') : []),
    // What a process that has run a while costs, its code compiled. pingops' learned schedule
    // changes how many requests a check takes from batch to batch, so per check is what compares.
    perCheckGoal(`the first ${n} of a fresh process`, ours, plain, n),
    perCheckGoal(`the second ${n} in the same process`, oursWarm, plainWarm, n),
    { goal: `not a goal: peak RSS, the second ${n} in the same process (median)`, pingops: `${medianOf(oursWarm, 'peak_rss_mb')} MB (${rangeOf(oursWarm, 'peak_rss_mb')})`, 'plain poller': `${medianOf(plainWarm, 'peak_rss_mb')} MB (${rangeOf(plainWarm, 'peak_rss_mb')})`, met: '' },
  ];
  const profiles = profDir ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f)) : [];
  return { rows, goals, profiles };
}

/** Prints both chat benches' tables (run.ts calls these). */
export async function printSlackAck(rounds: number): Promise<void> {
  console.log(`\n7. Slack ack: 50 signed /ping at once (50 people, HTTP mode), cold (first burst after start) and warm (3 s later); pingops next to a bare Bolt app (ack-only handler, same HTTPReceiver); ${rounds} rounds, each app alone and fresh`);
  console.log(`   Round trips as Slack's side sees them (send -> 200 read). ${machineNote()}`);
  const r = await benchSlackAck(rounds);
  console.table(r.rounds);
  console.table(r.goals);
}

export async function printChatPath(rounds: number, cpuProf: boolean): Promise<string[]> {
  console.log(`\n8. The whole chat path: 1,000 checks through the real bot over Slack HTTP (ack, the person (members, read with users.list at start), look-up, posts, live edits, store; logs at info to a file), next to a plain fetch poller doing the same pings and to the floor (a bare Bolt app that acks, pings as the poller does and posts the three messages pingops posts per check with fetch, nothing else); ${rounds} rounds. Each round then runs a second 1,000 in the same processes (code compiled, pingops' schedule learned from the first, the result cache off), once the first's queued edits are out: what a process that has run a while costs`);
  console.log('   Simulator at real speed in another process; PING_TIMEOUT_MS 15 s as the poller; SLACK_EDITS_PER_MIN 1000 (a high edit budget). Figures are the bot process\'s own (bench/bot-probe).');
  console.log(`   The bot runs with the Node flags and environment of \`npm start\`: ${[...Object.entries(BOT_ENV).map(([k, v]) => `${k}=${v}`), ...BOT_FLAGS].join(' ') || '(none)'}, and a Ping API key; the poller with Node's defaults.`);
  console.log(`   ${machineNote()}`);
  const r = await benchChatPath(rounds, 1000, { cpuProf });
  console.table(r.rows);
  console.table(r.goals);
  printProfiles(r.profiles);
  return r.profiles;
}
