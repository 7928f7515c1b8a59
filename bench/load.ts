import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPingService } from '../src/core/ping-service.js';
import type { Verdict } from '../src/core/verdict.js';
import { createPingApi } from '../src/pingapi/http-client.js';
import { scenarioFor } from '../src/sim/scenarios.js';
import { startSimulator } from '../src/sim/server.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { createRequestQueue } from '../src/core/request-queue.js';
import { createTokenBucket } from '../src/util/token-bucket.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConversationEngine } from '../src/chat/engine.js';
import type { ChatPort } from '../src/chat/port.js';
import { openCheckStore } from '../src/store/sqlite-check-store.js';

export interface LoadResult {
  simulator: string;
  checks: number;
  correct: number;
  wrong: string[];
  wallMs: number;
  peakRssMb: number;
  lagP99Ms: number;
  lagMaxMs: number;
  requests: number;
}

/** What the simulator's scenario for a service should end in. */
function expectedVerdict(serviceId: number): Verdict {
  const s = scenarioFor(serviceId);
  if (!s) return 'failed';
  return s.outcome === 'never' ? 'timed_out' : s.outcome;
}

interface SimHandle {
  url: string;
  requests(): Promise<number>;
  close(): Promise<void>;
}

async function simInProcess(): Promise<SimHandle> {
  const sim = await startSimulator({ logger: silentLogger, speed: 1 });
  return { url: sim.url, requests: async () => sim.stats().requests, close: () => sim.close() };
}

/** The simulator in a child process, so the numbers are the bot's alone (as in production). */
async function simInChild(): Promise<SimHandle> {
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

/** Runs `n` concurrent checks (service ids 1000…) against the simulator, in this process or a child. */
export async function benchLoad(n = 1000, where: 'in-process' | 'child' = 'in-process'): Promise<LoadResult> {
  const sim = where === 'child' ? await simInChild() : await simInProcess();
  const api = createPingApi({ baseUrl: sim.url, auth: { kind: 'none' }, timeoutMs: 10_000, logger: silentLogger });
  const service = createPingService({
    api,
    clock: systemClock,
    logger: silentLogger,
    // The documented defaults, with a shorter deadline so the never-finishing line ends the run sooner.
    polling: { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 15_000, resultCacheMs: 30_000 },
    queue: createRequestQueue({ perMinute: 1_000_000, burst: 100_000, clock: systemClock, max: 100_000, maxWaitMs: 3_600_000 }),
  });
  // The whole conversation, as a chat surface runs it: engine, live messages (ticking), and every
  // write to a real store file. Only the chat platform is a no-op.
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-load-'));
  const store = openCheckStore(join(dir, 'pingops.db'), silentLogger);
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
    checker: service,
    directory: {
      resolve: async (t) => (t.kind === 'service_id' ? { kind: 'unverified', serviceId: t.serviceId, fault: { kind: 'network', message: 'bench', status: null } } : { kind: 'not_found', target: t }),
      client: async () => null,
      suggest: async () => [],
    },
    store,
    clock: systemClock,
    logger: silentLogger,
    polling: { packets: 4, timeoutMs: 15_000 },
    access: { allowedChannels: [], admins: [], userRatePerMin: 1_000_000 },
  });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  lag.enable();
  const start = performance.now();
  const ids = Array.from({ length: n }, (_, i) => 1000 + (i % 1000));
  await Promise.all(ids.map((id, i) => engine.request({ text: String(id), person: { id: `U${i}`, name: `tech ${i}`, locale: 'en' }, place: { channel: `C${i % 20}`, thread: null }, answer: async () => {} })));
  const wallMs = performance.now() - start;
  lag.disable();
  clearInterval(sampler);
  const dones = [...verdicts.values()];
  const wrong = dones.filter((d) => d.verdict !== expectedVerdict(d.serviceId)).map((d) => `${d.serviceId}: ${d.verdict} (expected ${expectedVerdict(d.serviceId)})`);
  if (dones.length < n) wrong.push(`${n - dones.length} conversations without a final view`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const requests = await sim.requests();
  await service.close();
  await sim.close();
  return {
    simulator: where === 'child' ? 'child process' : 'same process',
    checks: n,
    correct: dones.length - wrong.filter((w) => !w.includes('without a final view')).length,
    wrong,
    wallMs: Math.round(wallMs),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    lagP99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)),
    lagMaxMs: Number((lag.max / 1e6).toFixed(1)),
    requests,
  };
}
