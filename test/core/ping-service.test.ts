import { describe, expect, it } from 'vitest';
import type { CheckState } from '../../src/core/check-state.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { jittered } from '../../src/core/check.js';
import type { TaskObservation } from '../../src/core/duration-model.js';
import { createPingService, type RequestBudget } from '../../src/core/ping-service.js';
import type { PollPlanner, TaskKind } from '../../src/core/schedule-learner.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { final, MemoryPingApi, pending } from '../support/memory-ping-api.js';

const polling = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };
const unlimited: RequestBudget = { take: async () => {} };

function setup(budget: RequestBudget = unlimited) {
  const clock = new ManualClock();
  const api = new MemoryPingApi();
  const service = createPingService({ api, clock, logger: silentLogger, polling, budget, random: () => 0.5 });
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

  it('asks the budget for every request, at high priority for people and low for sweeps', async () => {
    const asked: string[] = [];
    const { clock, service } = setup({ take: async (p) => void asked.push(p) });
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
    const service = createPingService({ api, clock, logger: silentLogger, polling, budget: unlimited, random: () => 0.5, onDone: (d) => seen.push(`${d.verdict}${d.cached ? ' (cached)' : ''}`) });
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
    expect(await h.done).toMatchObject({ verdict: 'cancelled', reason: { kind: 'cancelled', by: 'shutdown' } });
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
      flush: () => void flushes++,
    };
    return { planner, seen, flushes: () => flushes };
  }

  it('polls when the planner says and tells it the task ended between the last pending poll and the final one', async () => {
    const clock = new ManualClock();
    const api = new MemoryPingApi();
    const rec = recordingPlanner([3000, 3500, 4200]);
    const service = createPingService({ api, clock, logger: silentLogger, polling, budget: unlimited, random: () => 0.5, planner: rec.planner });
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
    const service = createPingService({ api, clock, logger: silentLogger, polling, budget: unlimited, random: () => 0.5, planner: rec.planner });
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
