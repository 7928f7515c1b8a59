import { describe, expect, it } from 'vitest';
import type { CheckState } from '../../src/core/check-state.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { jittered } from '../../src/core/check.js';
import { createPingService, type PingServiceDeps } from '../../src/core/ping-service.js';
import { createRequestQueue } from '../../src/core/request-queue.js';
import type { TaskObservation } from '../../src/core/duration-model.js';
import type { PollPlanner, TaskKind } from '../../src/core/schedule-learner.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { final, MemoryPingApi, pending } from '../support/memory-ping-api.js';

const polling = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };
type Queue = PingServiceDeps['queue'];
const unlimited: Queue = { take: async () => {}, admit: () => ({ ok: true }) };

function setup(queue: Queue = unlimited) {
  const clock = new ManualClock();
  const api = new MemoryPingApi();
  const service = createPingService({ api, clock, logger: silentLogger, polling, queue, random: () => 0.5 });
  return { clock, api, service };
}

async function collect(states: AsyncIterable<CheckState>): Promise<CheckState[]> {
  const out: CheckState[] = [];
  for await (const s of states) out.push(s);
  return out;
}

describe('poll jitter', () => {
  it.each([
    [1000, 0.5, 1000],
    [1000, 0, 900],
    [1000, 0.999999, 1100],
    [600, 0.25, 570],
    [0, 0.9, 0],
    [4300, 0, 4200],
    [4300, 0.75, 4350],
  ])('moves %i ms with r=%d to %i ms', (delay, r, expected) => {
    expect(jittered(delay, r)).toBe(expected);
  });
});

describe('PingService in virtual time', () => {
  it('walks starting → created → polling → done and reports polls and elapsed time', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1001, [pending(), final('stable', 'ok')]);
    const handle = service.check(1001);
    const seen = collect(handle.states);
    await clock.until(() => service.inFlight === 0);
    const states = await seen;
    expect(states.map((s) => s.kind)).toEqual(['starting', 'created', 'polling', 'polling', 'done']);
    const done = await handle.done;
    expect(done).toMatchObject({ verdict: 'stable', message: 'ok', polls: 2, taskId: 'task-1001-1', cached: false, reason: { kind: 'verdict' } });
    // Polls at 4.3 s and 4.9 s after creation for four packets.
    expect(done.elapsedMs).toBe(4900);
    expect(api.createCalls).toEqual([{ serviceId: 1001, packets: 4 }]);
  });

  it.each([
    ['intermittent', final('intermittent')],
    ['no_internet', final('no_internet')],
    ['antenna_only', final('antenna_only', 'antenna answers')],
    ['failed', final('failed')],
  ] as const)('ends with the API verdict %s', async (verdict, answer) => {
    const { clock, api, service } = setup();
    api.scripts.set(7, [answer]);
    const handle = service.check(7);
    await clock.until(() => service.inFlight === 0);
    expect((await handle.done).verdict).toBe(verdict);
  });

  it('times out at the deadline when the task never finishes, with bounded polls', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1005, [pending()]);
    const handle = service.check(1005);
    await clock.until(() => service.inFlight === 0, 120_000, 500);
    const done = await handle.done;
    expect(done).toMatchObject({ verdict: 'timed_out', reason: { kind: 'deadline' } });
    expect(done.elapsedMs).toBe(60_000);
    expect(api.resultCalls.length).toBe(done.polls);
    expect(done.polls).toBeLessThanOrEqual(15);
  });

  it('keeps polling through a poll that outlasted its retries, then gets the verdict', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1, [new TransientError('server', 'HTTP 502', 502), final('stable')]);
    const handle = service.check(1);
    const seen = collect(handle.states);
    await clock.until(() => service.inFlight === 0);
    const states = await seen;
    expect(states.some((s) => s.kind === 'retrying' && s.fault.status === 502)).toBe(true);
    expect((await handle.done).verdict).toBe('stable');
  });

  it('fails clearly after three polls in a row fail', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1, [new TransientError('network', 'connection refused')]);
    const handle = service.check(1);
    await clock.until(() => service.inFlight === 0);
    expect(await handle.done).toMatchObject({ verdict: 'failed', polls: 3, reason: { kind: 'error', fault: { kind: 'network' } } });
  });

  it('fails at once, without polling, on a permanent error creating the task', async () => {
    const { clock, api, service } = setup();
    api.createErrors.set(9999, new PermanentError('not_found', 'service 9999 not found on the Ping API', 404));
    const handle = service.check(9999);
    await clock.advance(10);
    expect(await handle.done).toMatchObject({
      verdict: 'failed',
      taskId: null,
      polls: 0,
      reason: { kind: 'error', fault: { kind: 'not_found', status: 404 } },
    });
    expect(api.resultCalls).toEqual([]);
  });

  it('lets two watchers share one task (single-flight) and both see the verdict', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1001, [pending(), pending(), final('intermittent')]);
    const a = service.check(1001);
    await clock.advance(4400);
    const b = service.check(1001);
    expect(b.current().kind).toBe('polling');
    const [sa, sb] = [collect(a.states), collect(b.states)];
    await clock.until(() => service.inFlight === 0);
    expect((await a.done).verdict).toBe('intermittent');
    expect((await b.done).verdict).toBe('intermittent');
    expect(api.createCalls).toHaveLength(1);
    expect((await sb).at(-1)).toEqual((await sa).at(-1));
  });

  it('reuses a recent verdict from the cache unless fresh, and forgets it after PING_RESULT_CACHE_MS', async () => {
    const { clock, api, service } = setup();
    const first = service.check(1001);
    await clock.until(() => service.inFlight === 0);
    expect((await first.done).cached).toBe(false);

    const again = service.check(1001);
    expect(await again.done).toMatchObject({ verdict: 'stable', cached: true });
    expect(api.createCalls).toHaveLength(1);

    const fresh = service.check(1001, { fresh: true });
    await clock.until(() => service.inFlight === 0);
    expect((await fresh.done).cached).toBe(false);
    expect(api.createCalls).toHaveLength(2);

    await clock.advance(30_001);
    const later = service.check(1001);
    await clock.until(() => service.inFlight === 0);
    expect((await later.done).cached).toBe(false);
    expect(api.createCalls).toHaveLength(3);
  });

  it('does not cache failures that were not the API verdict', async () => {
    const { clock, api, service } = setup();
    api.createErrors.set(5, new TransientError('server', 'HTTP 503', 503));
    await service.check(5).done;
    api.createErrors.delete(5);
    const retry = service.check(5);
    await clock.until(() => service.inFlight === 0);
    expect((await retry.done).verdict).toBe('stable');
  });

  it('cancelling one watcher leaves the other watching; the task stops when nobody watches', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1, [pending()]);
    const a = service.check(1);
    const b = service.check(1);
    await clock.advance(5000);
    a.cancel('U1');
    expect(await a.done).toMatchObject({ verdict: 'cancelled', elapsedMs: 5000, reason: { kind: 'cancelled', by: 'U1' } });
    expect(service.inFlight).toBe(1);
    const pollsBefore = api.resultCalls.length;
    await clock.advance(5000);
    expect(api.resultCalls.length).toBeGreaterThan(pollsBefore);
    b.cancel('U2');
    expect((await b.done).verdict).toBe('cancelled');
    await clock.advance(1);
    expect(service.inFlight).toBe(0);
    const after = api.resultCalls.length;
    await clock.advance(30_000);
    expect(api.resultCalls.length).toBe(after);
  });

  it('treats an aborted signal as a cancel of that watcher', async () => {
    const { clock, service } = setup();
    const ctl = new AbortController();
    const h = service.check(3, { signal: ctl.signal });
    await clock.advance(100);
    ctl.abort();
    expect((await h.done).verdict).toBe('cancelled');
  });

  it('asks the queue for every request, naming creations and polls, people and sweeps', async () => {
    const asked: string[] = [];
    const { clock, service } = setup({ take: async (_kind, p) => void asked.push((typeof p === 'function' ? p() : p) === 'interactive' ? 'high' : 'low'), admit: () => ({ ok: true }) });
    service.check(1, { priority: 'background' });
    await clock.until(() => service.inFlight === 0);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked)).toEqual(new Set(['low']));

    asked.length = 0;
    service.check(2, { priority: 'background' });
    await settle();
    service.check(2, { priority: 'interactive' });
    await clock.until(() => service.inFlight === 0);
    expect(asked.at(-1)).toBe('high');
  });

  it('reports each finished run once, however many watched, and each answer from the cache', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const seen: string[] = [];
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, random: () => 0.5, onDone: (d) => seen.push(`${d.verdict}${d.cached ? ' (cached)' : ''}`) });
    service.check(1001);
    service.check(1001);
    await clock.until(() => service.inFlight === 0);
    service.check(1001);
    expect(seen).toEqual(['stable', 'stable (cached)']);
  });

  it('close() cancels every check in flight', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1, [pending()]);
    const h = service.check(1);
    await clock.advance(3000);
    await service.close();
    expect(service.inFlight).toBe(0);
    expect(await h.done).toMatchObject({ verdict: 'cancelled', reason: { kind: 'cancelled', by: null, shutdown: true } });
  });
});

describe('PingService behind the ordered request queue (issue 8)', () => {
  function queued(o: { perMinute: number; burst: number; max?: number; maxWaitMs?: number }) {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const queue = createRequestQueue({ ...o, clock, max: o.max ?? 500, maxWaitMs: o.maxWaitMs ?? 600_000 });
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue, random: () => 0.5 });
    return { clock, api, service };
  }

  it('shows a waiting check its place in line, and its deadline starts when its task is created', async () => {
    // One request a second, one at once: the third check waits behind two creations and their polls.
    const { clock, api, service } = queued({ perMinute: 60, burst: 1 });
    api.scripts.set(3, [pending()]);
    service.check(1);
    await settle();
    service.check(2);
    const third = service.check(3);
    const seen = collect(third.states);
    await clock.until(() => service.inFlight === 0, 200_000, 500);
    const states = await seen;
    const firstQueued = states.find((s) => s.kind === 'queued');
    // Two requests per check ahead, one for itself, and one poll owed by the check already under way.
    expect(firstQueued).toMatchObject({ kind: 'queued', ahead: 1, etaMs: 4000 });
    expect(states.map((s) => s.kind).slice(0, 4)).toEqual(['queued', 'queued', 'starting', 'created']);
    const done = await third.done;
    // Timed out 60 s after its creation, not 60 s after it was asked for.
    expect(done.verdict).toBe('timed_out');
    expect(done.elapsedMs).toBeGreaterThan(60_000);
  });

  it('a retry of a creation already under way waits as a debt, not as a new check', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const kinds: string[] = [];
    const create = api.createTask.bind(api);
    // As the HTTP client does on a transient fault: the budget is asked again before the retry.
    api.createTask = async (serviceId, packets, opts) => {
      await opts?.beforeRequest?.(opts.signal);
      return create(serviceId, packets, opts);
    };
    const queue: Queue = { take: async (kind) => void kinds.push(kind), admit: () => ({ ok: true }) };
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue, random: () => 0.5 });
    service.check(1);
    await clock.until(() => service.inFlight === 0);
    expect(kinds.slice(0, 3)).toEqual(['create', 'poll', 'poll']);
  });

  it('a person can cancel while queued: nothing is created for them', async () => {
    const { clock, api, service } = queued({ perMinute: 6, burst: 1 });
    service.check(1);
    const waiting = service.check(2);
    await clock.advance(100);
    expect(waiting.current()).toMatchObject({ kind: 'queued', ahead: 0 });
    waiting.cancel('ana');
    expect(await waiting.done).toMatchObject({ verdict: 'cancelled', reason: { kind: 'cancelled', by: 'ana' } });
    await clock.until(() => service.inFlight === 0, 120_000, 500);
    expect(api.createCalls.map((c) => c.serviceId)).toEqual([1]);
  });

  it('past PING_QUEUE_MAX a new check is refused at once with when to try again, and nothing is created', async () => {
    const { clock, api, service } = queued({ perMinute: 60, burst: 1, max: 2 });
    service.check(1);
    service.check(2);
    service.check(3);
    const refused = service.check(4);
    expect(await refused.done).toMatchObject({ verdict: 'failed', reason: { kind: 'busy', retryAfterMs: 5000 }, taskId: null });
    await clock.until(() => service.inFlight === 0, 120_000, 500);
    expect(api.createCalls.map((c) => c.serviceId)).toEqual([1, 2, 3]);
  });
});

describe('check identity and resuming', () => {
  it('a different packet count is its own task, not folded into the running one', async () => {
    const { clock, api, service } = setup();
    const four = service.check(1001, { packets: 4 });
    const eight = service.check(1001, { packets: 8 });
    const again = service.check(1001, { packets: 4 });
    await clock.until(() => service.inFlight === 0);
    expect(api.createCalls).toEqual([
      { serviceId: 1001, packets: 4 },
      { serviceId: 1001, packets: 8 },
    ]);
    expect((await four.done).taskId).toBe((await again.done).taskId);
    expect((await eight.done).taskId).not.toBe((await four.done).taskId);
  });

  it('resumes polling an existing task without creating one, within the original deadline', async () => {
    const { clock, api, service } = setup();
    api.scripts.set(1001, [pending(), pending(), final('intermittent')]);
    const first = service.check(1001);
    await clock.until(() => first.current().kind === 'polling');
    const taskId = (first.current() as { taskId: string }).taskId;
    const startedAt = clock.now() - 1000;
    // A second service on the same API stands for the restarted process.
    const restarted = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, random: () => 0.5 });
    first.cancel('test');
    const resumed = restarted.check(1001, { resume: { taskId, startedAt } });
    await clock.until(() => restarted.inFlight === 0);
    const done = await resumed.done;
    expect(done).toMatchObject({ verdict: 'intermittent', taskId });
    expect(api.createCalls).toHaveLength(1);
  });

  it('a resumed check whose deadline has passed ends as timed out without a poll', async () => {
    const { clock, api, service } = setup();
    await clock.advance(polling.timeoutMs * 3);
    const resumed = service.check(1001, { resume: { taskId: 'task-gone', startedAt: 0 } });
    await clock.until(() => service.inFlight === 0);
    expect((await resumed.done).verdict).toBe('timed_out');
    expect(api.resultCalls).toEqual([]);
  });

  it('serves a verdict another process stored, younger than the cache window', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const stored = { kind: 'done', serviceId: 1001, taskId: 't-other', verdict: 'no_internet', message: null, polls: 2, elapsedMs: 4000, reason: { kind: 'verdict' }, cached: false, lossPct: 100, rttMs: null } as const;
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, storedVerdict: async (s, p) => (s === 1001 && p === 4 ? stored : null) });
    await service.recall(1001);
    expect(await service.check(1001).done).toMatchObject({ verdict: 'no_internet', cached: true, taskId: 't-other' });
    const fresh = service.check(1001, { fresh: true });
    await clock.until(() => service.inFlight === 0);
    expect((await fresh.done).cached).toBe(false);
    expect(api.createCalls).toHaveLength(1);
  });

  it('hands each verdict of the API to the shared cache, with its packet count; not failures, not cached answers', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    api.scripts.set(1002, [final('no_internet', 'down')]);
    api.createErrors.set(1004, new PermanentError('not_found', 'service 1004 not found on the Ping API', 404));
    const kept: [number, number, string, boolean][] = [];
    const releases: (() => void)[] = [];
    const service = createPingService({
      api,
      clock,
      logger: silentLogger,
      polling,
      queue: unlimited,
      storeVerdict: (packets, s) => {
        kept.push([s.serviceId, packets, s.verdict, s.cached]);
        return new Promise<void>((r) => releases.push(r));
      },
    });
    const a = service.check(1001);
    const b = service.check(1002, { packets: 8 });
    const c = service.check(1003);
    c.cancel('ana');
    const d = service.check(1004);
    await clock.until(() => service.inFlight === 0);
    await Promise.all([a.done, b.done, c.done, d.done]);
    expect((await d.done).reason.kind).toBe('error');
    expect((await service.check(1001).done).cached).toBe(true);
    expect(kept).toEqual([
      [1001, 4, 'stable', false],
      [1002, 8, 'no_internet', false],
    ]);
    // close() waits for the write (a CLI exits right after its verdict).
    let closed = false;
    const closing = service.close().then(() => (closed = true));
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    for (const r of releases) r();
    await closing;
    expect(closed).toBe(true);
  });
});

describe('PingService with a learning schedule', () => {
  /** A planner with fixed poll times that records what each task told it. */
  function recordingPlanner(offsets: number[]) {
    const seen: { task: TaskKind; obs: TaskObservation }[] = [];
    let flushes = 0;
    const planner: PollPlanner = {
      plan: () => (n) => offsets[n - 1] ?? (offsets.at(-1) ?? 0) + (n - offsets.length) * 1000,
      observe: (task, obs) => void seen.push({ task, obs }),
      flush: async () => void flushes++,
    };
    return { planner, seen, flushes: () => flushes };
  }

  it('polls when the planner says and tells it the task ended between the last pending poll and the final one', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const rec = recordingPlanner([3000, 3500, 4200]);
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, random: () => 0.5, planner: rec.planner });
    api.scripts.set(1001, [pending(), pending(), final('stable')]);
    const handle = service.check(1001, { packets: 6, router: 'r7' });
    await clock.until(() => service.inFlight === 0);
    expect(await handle.done).toMatchObject({ verdict: 'stable', polls: 3, elapsedMs: 4200 });
    expect(rec.seen).toEqual([{ task: { packets: 6, router: 'r7' }, obs: { kind: 'finished', afterMs: 3500, byMs: 4200 } }]);
    await service.close();
    expect(rec.flushes()).toBe(1);
  });

  it('tells it a task was still pending at the deadline, and nothing of a cancelled one', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const rec = recordingPlanner([20_000, 40_000, 59_000]);
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, random: () => 0.5, planner: rec.planner });
    api.scripts.set(1005, [pending()]);
    const never = service.check(1005);
    api.scripts.set(1002, [pending()]);
    const cancelled = service.check(1002);
    await clock.advance(25_000);
    cancelled.cancel('ana');
    await clock.until(() => service.inFlight === 0, 120_000, 500);
    expect(await never.done).toMatchObject({ verdict: 'timed_out' });
    expect(rec.seen).toEqual([{ task: { packets: 4, router: null }, obs: { kind: 'unfinished', afterMs: 59_000 } }]);
  });
});

describe("a sweep's check (background only)", () => {
  // Polls land at whole virtual milliseconds; record when each one was sent.
  function timed() {
    const s = setup();
    const at: number[] = [];
    const getResult = s.api.getResult.bind(s.api);
    s.api.getResult = (taskId, opts) => {
      at.push(s.clock.now());
      return getResult(taskId, opts);
    };
    return { ...s, at };
  }

  it('polls once where a 4-packet task has surely ended (5.5 s), then backs off', async () => {
    const { clock, api, service, at } = timed();
    api.scripts.set(1001, [pending(), final('stable')]);
    const t0 = clock.now();
    const handle = service.check(1001, { priority: 'background' });
    await clock.until(() => service.inFlight === 0);
    expect(await handle.done).toMatchObject({ verdict: 'stable', polls: 2 });
    expect(at.map((t) => t - t0)).toEqual([5500, 7500]);
  });

  it("moves to people's schedule after the poll already scheduled when a person joins", async () => {
    const { clock, api, service, at } = timed();
    api.scripts.set(1001, [pending(), pending(), final('stable')]);
    const t0 = clock.now();
    service.check(1001, { priority: 'background' });
    await clock.advance(3000);
    const person = service.check(1001, { priority: 'interactive' });
    await clock.until(() => service.inFlight === 0);
    expect(await person.done).toMatchObject({ verdict: 'stable' });
    // The sweep's 5.5 s poll stands; after it, people's 0.6 s steps (not the sweep's 2 s back-off).
    expect(at.map((t) => t - t0)).toEqual([5500, 6100, 6700]);
  });

  it("polls like a person's check when the thrifty background schedule is off", async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const service = createPingService({ api, clock, logger: silentLogger, polling, queue: unlimited, random: () => 0.5, thriftyBackground: false });
    const at: number[] = [];
    const getResult = api.getResult.bind(api);
    api.getResult = (taskId, opts) => {
      at.push(clock.now());
      return getResult(taskId, opts);
    };
    const t0 = clock.now();
    service.check(1001, { priority: 'background' });
    await clock.until(() => service.inFlight === 0);
    expect(at.map((t) => t - t0)).toEqual([4300]);
  });
});
