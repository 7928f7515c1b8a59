/**
 * The burst of issue 8 in virtual time: N distinct checks asked for at once, against a Ping API
 * whose tasks take `taskMs`, through the real PingService, request queue, renderer and
 * LiveMessage (two messages per check, as Slack's root card and thread status, sharing one
 * edit budget). Used by test/core/burst.test.ts and `npm run bench -- burst`.
 */
import { followCheck } from '../../src/chat/ping-flow.js';
import { createLiveMessage } from '../../src/chat/live-message.js';
import type { ClientRecord } from '../../src/core/client.js';
import { createPingService } from '../../src/core/ping-service.js';
import { createRequestQueue } from '../../src/core/request-queue.js';
import { budgetShape } from '../../src/core/request-budget.js';
import type { TaskResult } from '../../src/core/verdict.js';
import type { CallOptions, PingApi } from '../../src/core/ping-api.js';
import type { View } from '../../src/present/view.js';
import { seededRandom } from '../../src/sim/seeded.js';
import { silentLogger } from '../../src/util/logger.js';
import { createTokenBucket } from '../../src/util/token-bucket.js';
import { ManualClock } from './manual-clock.js';

/** A Ping API whose every task answers `stable` once `taskMs` of virtual time passed since its creation. */
class TimedPingApi implements PingApi {
  creates = 0;
  polls = 0;
  readonly tasks = new Map<string, { createdAt: number; reads: number; finalReads: number }>();
  constructor(
    private readonly clock: ManualClock,
    private readonly taskMs: number,
  ) {}
  private async gate(opts?: CallOptions) {
    opts?.signal?.throwIfAborted();
    await opts?.beforeRequest?.(opts.signal);
    opts?.signal?.throwIfAborted();
  }
  async createTask(serviceId: number, _packets: number, opts?: CallOptions) {
    await this.gate(opts);
    this.creates++;
    const taskId = `task-${serviceId}-${this.creates}`;
    this.tasks.set(taskId, { createdAt: this.clock.now(), reads: 0, finalReads: 0 });
    return { taskId };
  }
  async getResult(taskId: string, opts?: CallOptions): Promise<TaskResult> {
    await this.gate(opts);
    this.polls++;
    const t = this.tasks.get(taskId);
    if (!t) throw new Error(`unknown task ${taskId}`);
    t.reads++;
    if (this.clock.now() - t.createdAt < this.taskMs) return { kind: 'pending', message: null };
    t.finalReads++;
    return { kind: 'final', verdict: 'stable', message: null, lossPct: null, rttMs: null };
  }
  async clientByServiceId(): Promise<ClientRecord | null> {
    return null;
  }
  async clientByDocument(): Promise<ClientRecord | null> {
    return null;
  }
  async clientByPhone(): Promise<ClientRecord | null> {
    return null;
  }
  async searchClients(): Promise<ClientRecord[]> {
    return [];
  }
  async health() {
    return true;
  }
}

export interface BurstOptions {
  checks?: number;
  ratePerMin?: number;
  taskMs?: number;
  editsPerMin?: number;
  minEditIntervalMs?: number;
}

export interface BurstReport {
  checks: number;
  verdicts: Record<string, number>;
  /** Checks that ended `stable` (the API's real verdict). */
  realVerdicts: number;
  timedOut: number;
  /** Tasks created whose final answer was never read. */
  createdNeverRead: number;
  /** Requesters told their verdict (the notification is a new message, outside the edit budget). */
  told: number;
  requests: number;
  /** The budget's own bound: requests / rate. */
  budgetBoundMs: number;
  /** First request to last verdict. */
  totalMs: number;
  ratio: number;
  /** Most checks seen queued at once, and the biggest "ahead" shown. */
  maxAheadShown: number;
  messages: number;
  messagesOnVerdict: number;
  /** Last message to show its verdict, from the start. */
  lastMessageFinalMs: number;
  /** First verdict, from the start: no final edit can go before it. */
  firstVerdictMs: number;
  /** The edit budget's own bound for the final edits: first verdict + (messages − burst) / edit rate. */
  editBoundMs: number;
  /** Longest time from a check's verdict to both its messages showing it. */
  maxMessageLagMs: number;
  progressEdits: number;
}

/** Runs one burst to the end in virtual time. */
export async function runBurst(o: BurstOptions = {}): Promise<BurstReport> {
  const n = o.checks ?? 200;
  const ratePerMin = o.ratePerMin ?? 100;
  const editsPerMin = o.editsPerMin ?? 45;
  const minIntervalMs = o.minEditIntervalMs ?? 1500;
  const clock = new ManualClock();
  const start = clock.now();
  const api = new TimedPingApi(clock, o.taskMs ?? 3000);
  // As app/core builds it from PING_API_RATE_PER_MIN and the other defaults: the shared budget's
  // shape, here in process (one replica; the store's draw runs the same pure math).
  const shape = budgetShape(ratePerMin);
  const queue = createRequestQueue({ perMinute: shape.refillPerMin, burst: shape.capacity, clock, max: 500, maxWaitMs: 600_000 });
  const polling = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };
  const service = createPingService({ api, clock, logger: silentLogger, polling, queue, random: seededRandom(8) });
  const edits = createTokenBucket({ perMinute: editsPerMin, clock });

  const verdicts: Record<string, number> = {};
  let told = 0;
  let maxAheadShown = 0;
  let progressEdits = 0;
  let lastMessageFinalMs = 0;
  let maxMessageLagMs = 0;
  let messagesOnVerdict = 0;
  let lastVerdictAt = start;
  let firstVerdictAt = Infinity;

  const runs = Array.from({ length: n }, async (_, i) => {
    const serviceId = 1001 + i;
    const shown = { root: false, status: false };
    const editor = (which: 'root' | 'status') => async (v: View) => {
      if (v.final) {
        shown[which] = true;
        messagesOnVerdict++;
        lastMessageFinalMs = Math.max(lastMessageFinalMs, clock.now() - start);
      } else progressEdits++;
    };
    const status = createLiveMessage<View>(editor('status'), { budget: edits, clock, logger: silentLogger, minIntervalMs });
    const root = createLiveMessage<View>(editor('root'), { budget: edits, clock, logger: silentLogger, minIntervalMs });
    const handle = service.check(serviceId);
    let finalView: View | null = null;
    const done = await followCheck(
      handle,
      null,
      'en',
      (view, state) => {
        if (state.kind === 'queued') maxAheadShown = Math.max(maxAheadShown, state.ahead);
        if (view.final) finalView = view;
        else status.update(view);
      },
      { now: () => clock.now() },
    );
    const verdictAt = clock.now();
    lastVerdictAt = Math.max(lastVerdictAt, verdictAt);
    firstVerdictAt = Math.min(firstVerdictAt, verdictAt);
    verdicts[done.verdict] = (verdicts[done.verdict] ?? 0) + 1;
    told++;
    const view = finalView as View | null;
    if (view) await Promise.all([status.finish(view), root.finish(view)]);
    maxMessageLagMs = Math.max(maxMessageLagMs, clock.now() - verdictAt);
  });

  let finished = 0;
  for (const r of runs) void r.then(() => finished++);
  await clock.until(() => finished === n, 3_600_000, 100);

  const requests = api.creates + api.polls;
  const budgetBoundMs = Math.round((requests * 60_000) / ratePerMin);
  const totalMs = lastVerdictAt - start;
  const createdNeverRead = [...api.tasks.values()].filter((t) => t.finalReads === 0).length;
  return {
    checks: n,
    verdicts,
    realVerdicts: verdicts.stable ?? 0,
    timedOut: verdicts.timed_out ?? 0,
    createdNeverRead,
    told,
    requests,
    budgetBoundMs,
    totalMs,
    ratio: Math.round((totalMs / budgetBoundMs) * 100) / 100,
    maxAheadShown,
    messages: 2 * n,
    messagesOnVerdict,
    lastMessageFinalMs,
    firstVerdictMs: firstVerdictAt - start,
    editBoundMs: firstVerdictAt - start + Math.round(((2 * n - Math.min(editsPerMin, 10)) * 60_000) / editsPerMin),
    maxMessageLagMs,
    progressEdits,
  };
}
