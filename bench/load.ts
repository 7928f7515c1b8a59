import { execFileSync, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPingService } from '../src/core/ping-service.js';
import type { Verdict } from '../src/core/verdict.js';
import { createPingApi } from '../src/pingapi/http-client.js';
import { scenarioFor } from '../src/sim/scenarios.js';
import { startSimulator } from '../src/sim/server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConversationEngine } from '../src/chat/engine.js';
import type { ChatPort } from '../src/chat/port.js';
import type { PingChecker } from '../src/core/ping-service.types.js';
import { createRequestQueue } from '../src/core/request-queue.js';
import { createScheduleLearner } from '../src/core/schedule-learner.js';
import { openDatabase } from '../src/store/open.js';
import { systemClock } from '../src/util/clock.js';
import { createLogger, silentLogger, type Logger } from '../src/util/logger.js';
import { createTokenBucket } from '../src/util/token-bucket.js';

export interface LoadResult {
  simulator: string;
  /** `pingops`, `pingops conversations` or `plain fetch poller` (the documented strategy with fetch, no retries, no budget). */
  engine: string;
  logger: string;
  checks: number;
  correct: number;
  wrong: string[];
  wallMs: number;
  peakRssMb: number;
  lagP99Ms: number;
  lagMaxMs: number;
  requests: number;
  /** Process CPU (user + system) per request served, in microseconds. */
  cpuUsPerRequest: number;
}

/** What the simulator's scenario for a service should end in. */
function expectedVerdict(serviceId: number): Verdict {
  const s = scenarioFor(serviceId);
  if (!s) return 'failed';
  return s.outcome === 'never' ? 'timed_out' : s.outcome;
}

export interface SimHandle {
  url: string;
  requests(): Promise<number>;
  close(): Promise<void>;
}

async function simInProcess(): Promise<SimHandle> {
  const sim = await startSimulator({ logger: silentLogger, speed: 1 });
  return { url: sim.url, requests: async () => sim.stats().requests, close: () => sim.close() };
}

/** The simulator in a child process, so the numbers are the bot's alone (as in production). */
export async function simInChild(): Promise<SimHandle> {
  const child = fork(new URL('./sim-child.js', import.meta.url), { stdio: 'ignore' });
  const url = await new Promise<string>((resolve) => child.once('message', (m) => resolve((m as { url: string }).url)));
  return {
    url,
    requests: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { stats: { requests: number } }).stats.requests));
        child.send('stats');
      }),
    close: async () => {
      child.disconnect();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The budget a production bot would set for this load: PING_API_RATE_PER_MIN 60,000 with createCore's burst of a quarter. */
const RATE_PER_MIN = 60_000;

export interface LoadOptions {
  /** Where the bot's logs go: a file at info level (the default logger's production setting), or nowhere. */
  logFile: string | null;
  /**
   * `pingops`: checks straight on the PingService; `conversation`: the whole conversation as a
   * chat surface runs it (engine, live messages, every write to a real store file; the chat
   * platform is a no-op); `plain`: a bare fetch poller with the documented strategy, the CPU baseline.
   */
  engine: 'pingops' | 'conversation' | 'plain';
  /** Run the same checks once, unmeasured, before the measured run: a process that has run a while (the plain poller; pingops' engines would answer the second run from their 30 s result cache). */
  warmup?: boolean;
}

/** Runs `n` concurrent checks (service ids 1000…) against the simulator, in this process or a child. */
export async function benchLoad(n = 1000, where: 'in-process' | 'child' = 'in-process', opts: LoadOptions = { logFile: null, engine: 'pingops' }): Promise<LoadResult> {
  const sim = where === 'child' ? await simInChild() : await simInProcess();
  const logger = opts.logFile ? createLogger('info', opts.logFile) : silentLogger;
  // The documented defaults, with a shorter deadline so the never-finishing line ends the run sooner.
  const polling = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 15_000, resultCacheMs: 30_000 };
  const api = createPingApi({ baseUrl: sim.url, auth: { kind: 'none' }, timeoutMs: 10_000, logger: logger.child({ component: 'pingapi' }) });
  const service = createPingService({
    api,
    clock: systemClock,
    logger,
    polling,
    queue: createRequestQueue({ perMinute: RATE_PER_MIN, burst: RATE_PER_MIN / 4, clock: systemClock, max: 100_000, maxWaitMs: 3_600_000 }),
    planner: createScheduleLearner({ provider: 'sim', schedule: polling, now: () => Date.now() }),
  });
  const ids = Array.from({ length: n }, (_, i) => 1000 + (i % 1000));
  const run = async () =>
    opts.engine === 'plain'
      ? await Promise.all(ids.map((id) => plainCheck(sim.url, id, polling.timeoutMs)))
      : opts.engine === 'conversation'
        ? await conversations(service, ids, logger, polling.timeoutMs)
        : (await Promise.all(ids.map((id) => service.check(id).done))).map((d) => ({ serviceId: d.serviceId, verdict: d.verdict }));
  if (opts.warmup) await run();
  const requests0 = opts.warmup ? await sim.requests() : 0;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  lag.enable();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const dones = await run();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  lag.disable();
  clearInterval(sampler);
  const wrong = dones.filter((d) => d.verdict !== expectedVerdict(d.serviceId)).map((d) => `${d.serviceId}: ${d.verdict} (expected ${expectedVerdict(d.serviceId)})`);
  if (dones.length < n) wrong.push(`${n - dones.length} conversations without a final view`);
  const requests = (await sim.requests()) - requests0;
  await service.close();
  await sim.close();
  return {
    simulator: where === 'child' ? 'child process' : 'same process',
    engine: opts.engine === 'plain' ? 'plain fetch poller' : opts.engine === 'conversation' ? 'pingops conversations' : 'pingops',
    logger: opts.logFile ? 'info to a file' : 'silent',
    checks: n,
    correct: dones.length - wrong.filter((w) => !w.includes('without a final view')).length,
    wrong,
    wallMs: Math.round(wallMs),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    lagP99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)),
    lagMaxMs: Number((lag.max / 1e6).toFixed(1)),
    requests,
    cpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, requests)),
  };
}

/** Runs one conversation per id through the engine, over a real store file; resolves with each final view's verdict. */
async function conversations(checker: PingChecker, ids: number[], logger: Logger, timeoutMs: number): Promise<{ serviceId: number; verdict: Verdict }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-load-'));
  const db = await openDatabase({ store: { path: join(dir, 'pingops.db'), retentionDays: 30 } }, logger);
  const store = db.checks;
  const verdicts = new Map<string, { serviceId: number; verdict: Verdict }>();
  let seq = 0;
  const port: ChatPort = {
    surface: 'bench',
    rootCards: true,
    editBudget: createTokenBucket({ perMinute: 1_000_000, burst: 100_000, clock: systemClock }),
    minEditIntervalMs: 1000,
    post: async () => `m${++seq}`,
    edit: async (_place, _id, m) => {
      if (m.view.final && m.view.verdict && m.role !== 'root') verdicts.set(m.conversationId, { serviceId: Number(/· (\d+)$/.exec(m.view.title)?.[1] ?? /(\d+)/.exec(m.view.title)?.[1]), verdict: m.view.verdict });
      return undefined;
    },
    reply: async () => {},
    replyPrivately: async () => {},
    postFailedText: () => 'failed',
  };
  const engine = createConversationEngine({
    port,
    checker,
    directory: {
      resolve: async (t) => (t.kind === 'service_id' ? { kind: 'unverified', serviceId: t.serviceId, fault: { kind: 'network', message: 'bench', status: null } } : { kind: 'not_found', target: t }),
      client: async () => null,
      suggest: async () => [],
    },
    store,
    clock: systemClock,
    logger,
    polling: { packets: 4, timeoutMs },
    access: { allowedChannels: [], admins: [], userRatePerMin: 1_000_000 },
  });
  await Promise.all(ids.map((id, i) => engine.request({ text: String(id), person: { id: `U${i}`, name: `tech ${i}`, locale: 'en' }, place: { channel: `C${i % 20}`, thread: null }, answer: async () => {} })));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return [...verdicts.values()];
}

/** What the simulator's envelope answers mean, for the plain poller (ping-api.md). */
const PLAIN_VERDICTS: Record<string, Verdict> = {
  stable_connection: 'stable',
  intermittent_connection: 'intermittent',
  no_internet: 'no_internet',
  antenna_only: 'antenna_only',
  ping_failed: 'failed',
};

/**
 * fetch with one more try when a kept-alive socket was closed by the server just as it was
 * reused (`other side closed`): any poller meets that race with a 5 s keep-alive and 2 s polls.
 */
async function fetchOnce(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return fetch(url, init);
  }
}

/** The CPU baseline: the documented strategy (2.5 s, then every 2 s) with bare fetch, nothing else. */
export async function plainCheck(baseUrl: string, serviceId: number, timeoutMs: number): Promise<{ serviceId: number; verdict: Verdict }> {
  const created = (await (await fetchOnce(`${baseUrl}/api/v1/${serviceId}/ping/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pings":4}' })).json()) as {
    data?: { task_id?: string };
  };
  const taskId = created.data?.task_id;
  if (!taskId) return { serviceId, verdict: 'failed' };
  const start = Date.now();
  for (let t = 2500; t <= timeoutMs; t += 2000) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + t - Date.now())));
    // Pending answers come in several forms, `null` and an empty body among them.
    const text = await (await fetchOnce(`${baseUrl}/api/v1/ping/${taskId}/`)).text();
    const answer = (text.trim() === '' ? null : JSON.parse(text)) as { ok?: boolean; action?: string } | null;
    const verdict = answer?.action ? PLAIN_VERDICTS[answer.action] : undefined;
    if (verdict) return { serviceId, verdict };
    if (answer?.ok === false) return { serviceId, verdict: 'failed' };
  }
  return { serviceId, verdict: 'timed_out' };
}

/** Each load run gets a fresh process: peak RSS must not include an earlier run's heap. */
export function loadRun(where: 'in-process' | 'child', n: number, logFile: string | null, engine: 'pingops' | 'conversation' | 'plain' = 'pingops', warmup = false): LoadResult {
  const script = fileURLToPath(new URL('./load-one.js', import.meta.url));
  const out = execFileSync(process.execPath, [script, where, String(n), logFile ?? '-', engine, warmup ? 'warmup' : '-'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}
