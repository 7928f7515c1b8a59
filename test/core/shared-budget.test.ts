import { setMaxListeners } from 'node:events';
import { beforeEach, describe, expect, it } from 'vitest';
import { budgetShape, type RequestBudgetPort } from '../../src/core/request-budget.js';
import { createRequestQueue, creationEtaMs, type QueuePosition, type RequestQueue } from '../../src/core/request-queue.js';
import { createSharedBudget, jitterMaxMs, keepFor, localShare } from '../../src/core/shared-budget.js';
import { seededRandom } from '../../src/sim/seeded.js';
import { captureLogs } from '../support/log-capture.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { maxInWindow } from '../support/windows.js';
import { memoryBudgetPort } from '../support/memory-budget-port.js';

let seeds = 0;
beforeEach(() => {
  seeds = 0;
});

/** One replica: its own queue on the shared port, its waits' random part from a seed of its own (the same every run). */
function replica(port: RequestBudgetPort, clock: ManualClock, rate = 100, logger = captureLogs().logger, liveReplicas?: () => number | null) {
  const random = seededRandom(++seeds);
  const budget = createSharedBudget({ port, name: 'ping-api:test', ratePerMin: rate, clock, logger, random, ...(liveReplicas ? { liveReplicas } : {}) });
  const queue = createRequestQueue({ perMinute: budget.shape.refillPerMin, burst: budget.shape.capacity, source: budget, clock, max: 100_000, maxWaitMs: 3_600_000 });
  return { budget, queue };
}

/** Keeps `n` requests of one class waiting on `queue` at all times, recording when each was granted. */
function flood(queue: RequestQueue, clock: ManualClock, kind: 'create' | 'poll', priority: 'interactive' | 'background', n: number, sent: number[], stop: AbortSignal) {
  // Every waiter of every flood listens on the one stop signal (a check has a signal of its own).
  setMaxListeners(0, stop);
  const one = (): void => {
    if (stop.aborted) return;
    queue.take(kind, priority, stop).then(
      () => {
        sent.push(clock.now());
        one();
      },
      () => {},
    );
  };
  for (let i = 0; i < n; i++) one();
}

describe('the shared budget across replicas (virtual time)', () => {
  it('three replicas pulling as hard as they can: no 60 s window over the rate, and the refill rate is used', async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const sent: number[] = [];
    const stop = new AbortController();
    const replicas = [replica(port, clock), replica(port, clock), replica(port, clock)];
    flood(replicas[0]!.queue, clock, 'poll', 'interactive', 8, sent, stop.signal);
    flood(replicas[1]!.queue, clock, 'create', 'background', 8, sent, stop.signal);
    flood(replicas[2]!.queue, clock, 'create', 'interactive', 8, sent, stop.signal);
    await clock.advance(5 * 60_000);
    stop.abort('done');
    await settle();
    sent.sort((a, b) => a - b);
    expect(maxInWindow(sent, 61_000)).toBeLessThanOrEqual(100);
    // 10 at once, then 88 a minute: 450 in five minutes, give or take a token.
    expect(sent.length).toBeGreaterThanOrEqual(448);
    expect(sent.length).toBeLessThanOrEqual(450);
  });

  it("people before sweeps across replicas: one replica's sweeps leave the reserve; another's person is served at once", async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const sweepSent: number[] = [];
    const stop = new AbortController();
    const a = replica(port, clock);
    const b = replica(port, clock);
    flood(a.queue, clock, 'create', 'background', 20, sweepSent, stop.signal);
    await clock.advance(60_000);
    // The sweeps spent the burst down to the reserve, then the refill: 5 + 88 in the minute.
    expect(sweepSent.length).toBeGreaterThanOrEqual(92);
    expect(sweepSent.length).toBeLessThanOrEqual(93);
    // Five people on replica B arrive together: the reserve is theirs, no waiting.
    const t0 = clock.now();
    const people = Array.from({ length: 5 }, () => b.queue.take('create', 'interactive').then(() => clock.now() - t0));
    await clock.advance(10);
    await expect(Promise.all(people)).resolves.toEqual([0, 0, 0, 0, 0]);
    // Later people wait one token period each, not behind the sweeps: each next token is theirs.
    const later = Array.from({ length: 3 }, () => b.queue.take('create', 'interactive').then(() => clock.now() - t0));
    await clock.advance(3000);
    const waits = await Promise.all(later);
    expect(waits.every((w) => w <= 3 * 682 + 50)).toBe(true);
    stop.abort('done');
    await settle();
  });

  it('a person arriving while the queue waits for the reserve on behalf of sweeps does not wait behind that draw', async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const { queue } = replica(port, clock);
    const stop = new AbortController();
    const sent: number[] = [];
    flood(queue, clock, 'create', 'background', 10, sent, stop.signal);
    await clock.advance(100);
    // The sweeps took the burst down to the reserve (5 left) and now wait for a 6th token, 682 ms away.
    expect(sent).toHaveLength(5);
    const t0 = clock.now();
    const person = queue.take('create', 'interactive').then(() => clock.now() - t0);
    await clock.advance(1);
    await expect(person).resolves.toBe(0);
    stop.abort('done');
    await settle();
  });

  it('the store away: a local quarter share, said once; shared again as soon as it answers', async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const logs = captureLogs();
    const { budget, queue } = replica(port, clock, 100, logs.logger);
    port.down = true;
    const sent: number[] = [];
    const stop = new AbortController();
    flood(queue, clock, 'poll', 'interactive', 5, sent, stop.signal);
    await clock.advance(60_000);
    expect(budget.mode).toBe('local');
    // A quarter of the 88/min refill, burst 1: 22 a minute, give or take the first.
    expect(sent.length).toBeGreaterThanOrEqual(21);
    expect(sent.length).toBeLessThanOrEqual(23);
    const said = logs.records().filter((r) => String(r.msg).startsWith('REQUEST BUDGET LOCAL'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 50, perMinute: 22 });
    port.down = false;
    sent.length = 0;
    await clock.advance(60_000);
    expect(budget.mode).toBe('shared');
    expect(logs.records().some((r) => r.msg === 'request budget shared again: the store answers')).toBe(true);
    // Back on the shared bucket: the refill rate again (the bucket refilled meanwhile: its burst too).
    expect(sent.length).toBeGreaterThanOrEqual(85);
    stop.abort('done');
    await settle();
  });

  it.each([
    // [replicas alive when the store last answered, requests in the outage's first minute at an 88/min refill]
    [null, 22, 'not known: a quarter'],
    [1, 88, 'the only replica: the whole refill'],
    [3, 22, 'three: a quarter each (three cut off together: 66, within the rate)'],
    [8, 11, 'eight: an eighth each (eight cut off together: 88, within the rate; a quarter each was 176)'],
  ] as const)('the store away with %s replicas alive: %i requests a minute (%s)', async (alive, perMinute, _why) => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const logs = captureLogs();
    let live: number | null = alive;
    const { queue } = replica(port, clock, 100, logs.logger, () => live);
    port.down = true;
    const sent: number[] = [];
    const stop = new AbortController();
    flood(queue, clock, 'poll', 'interactive', 5, sent, stop.signal);
    await clock.advance(1);
    // The count read when the outage began holds for the whole outage.
    live = 2;
    await clock.advance(59_999);
    expect(sent.length).toBeGreaterThanOrEqual(perMinute - 1);
    expect(sent.length).toBeLessThanOrEqual(perMinute + 1);
    expect(logs.records().find((r) => String(r.msg).startsWith('REQUEST BUDGET LOCAL'))).toMatchObject({ perMinute, replicas: alive });
    stop.abort('done');
    await settle();
  });

  it.each([
    [null, 0.25],
    [0, 0.25],
    [1, 1],
    [2, 0.25],
    [4, 0.25],
    [5, 0.2],
    [10, 0.1],
  ] as const)('localShare(%s replicas) = %s', (alive, share) => {
    expect(localShare(alive)).toBe(share);
  });

  it('asks the store once per batch, not once per request', async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const { queue } = replica(port, clock);
    await Promise.all(Array.from({ length: 10 }, () => queue.take('poll', 'interactive')));
    // 10 waiting, 5 a draw: the first request alone, then 5, then the 4 left.
    expect(port.draws).toBeLessThanOrEqual(3);
  });

  it('the shape comes from the rate, the same on every replica', () => {
    const clock = new ManualClock();
    expect(replica(memoryBudgetPort(), clock, 100).budget.shape).toEqual(budgetShape(100));
  });
});

describe('keepFor: what a draw leaves in the shared bucket for better tiers on any replica', () => {
  it.each([
    ['polls', 100, 0],
    ['people', 100, 1],
    ['sweeps', 100, 5],
    // A bucket of 2 keeps a reserve of 1 for people: they leave nothing for polls there.
    ['people', 20, 0],
    ['sweeps', 20, 1],
    ['people', 40, 1],
    ['sweeps', 40, 2],
    // A bucket of one token has no reserve at all.
    ['people', 5, 0],
    ['sweeps', 5, 0],
  ] as const)('a draw for %s at %i a minute leaves %i', (purpose, rate, kept) => {
    expect(keepFor(purpose, budgetShape(rate))).toBe(kept);
  });
});

describe('jitterMaxMs: the random part of a wait, at most one token\'s time', () => {
  it.each([
    [100, 25], // 88 a minute: a token every 681 ms
    [600, 25],
    [6000, 10], // 5,891 a minute: a token every 10 ms
    [60_000, 1],
    [1_000_000, 0], // faster than one a millisecond: no random part at all
  ] as const)('at %i a minute: up to %i ms', (rate, ms) => {
    expect(jitterMaxMs(budgetShape(rate))).toBe(ms);
  });

  it('at 60,000 a minute a replica flooded with people gets the whole refill, however long its random waits', async () => {
    const clock = new ManualClock();
    const budget = createSharedBudget({ port: memoryBudgetPort(), name: 'ping-api:test', ratePerMin: 60_000, clock, logger: captureLogs().logger, random: () => 0.999 });
    const queue = createRequestQueue({ perMinute: budget.shape.refillPerMin, burst: budget.shape.capacity, source: budget, clock, max: 100_000, maxWaitMs: 3_600_000 });
    const sent: number[] = [];
    const stop = new AbortController();
    flood(queue, clock, 'create', 'interactive', 20, sent, stop.signal);
    await clock.advance(2000);
    stop.abort('done');
    await settle();
    // 10 at once, then 59,016 a minute (984 a second): a 25 ms random part, at its largest here,
    // let the bucket fill and spill, and gave 693 in the 2 s.
    expect(sent.length).toBeGreaterThanOrEqual(1900);
  });
});

/**
 * Two replicas on one bucket: A keeps 40 people's new checks waiting; after `headStartMs` B keeps
 * `n` requests of `kind` waiting; the tokens each got over the next `ms` of virtual time.
 */
async function aThenB(kind: 'create' | 'poll', n: number, headStartMs: number, ms: number): Promise<{ a: number; b: number }> {
  const clock = new ManualClock();
  const port = memoryBudgetPort();
  const stop = new AbortController();
  const sentA: number[] = [];
  const sentB: number[] = [];
  flood(replica(port, clock).queue, clock, 'create', 'interactive', 40, sentA, stop.signal);
  const b = replica(port, clock);
  await clock.advance(headStartMs);
  const t0 = clock.now();
  flood(b.queue, clock, kind, 'interactive', n, sentB, stop.signal);
  await clock.advance(ms);
  stop.abort('done');
  await settle();
  const since = (sent: number[]) => sent.filter((t) => t >= t0).length;
  return { a: since(sentA), b: since(sentB) };
}

describe('the order across replicas: polls first, and a fair share of each token', () => {
  it("another replica's polls go before this replica's burst of new checks", async () => {
    const { a, b } = await aThenB('poll', 5, 20_000, 60_000);
    // 88 a minute, one token at a time: all but a token A's draw already had go to B's polls.
    expect(b).toBeGreaterThanOrEqual(86);
    expect(a).toBeLessThanOrEqual(2);
  });

  it('two replicas with people waiting share the refill, neither taking every token', async () => {
    const { a, b } = await aThenB('create', 40, 5000, 300_000);
    // Each token goes to one of the two at random (the jitter): about half each, 440 tokens.
    expect(b / (a + b)).toBeGreaterThan(0.35);
    expect(b / (a + b)).toBeLessThan(0.65);
  });
});

describe("a waiting person's ETA on the shared budget", () => {
  it('counts the share this replica gets: about half the refill while another replica also has people waiting', async () => {
    const clock = new ManualClock();
    const port = memoryBudgetPort();
    const stop = new AbortController();
    const a = replica(port, clock);
    const b = replica(port, clock);
    const refillMs = 60_000 / a.budget.shape.refillPerMin;
    const toldOn = (queue: RequestQueue) => {
      const told: QueuePosition[] = [];
      queue.take('create', 'interactive', stop.signal, (p) => told.push(p)).catch(() => {});
      return told;
    };
    // Alone: 40 people's checks wait on A, nobody on B.
    flood(a.queue, clock, 'create', 'interactive', 40, [], stop.signal);
    await clock.advance(30_000);
    const alone = toldOn(a.queue);
    await settle();
    // B gets as many people: from now on the two share the refill (88 a minute: 682 ms a request).
    flood(b.queue, clock, 'create', 'interactive', 40, [], stop.signal);
    await clock.advance(70_000);
    // The pace window (a minute) now holds only shared draws.
    const shared = toldOn(a.queue);
    await settle();
    stop.abort('done');
    await settle();
    expect(alone[0]?.msPerRequest).toBeLessThan(refillMs * 1.2);
    // About twice the refill's time a request: A's half of the tokens, give or take the draw of lots.
    expect(shared[0]?.msPerRequest).toBeGreaterThan(refillMs * 1.4);
    expect(shared[0]?.msPerRequest).toBeLessThan(refillMs * 3.2);
    // 41 people ahead on A, at two requests each: the ETA is well over half a minute longer than at the whole refill.
    const position = shared[0] ?? { ahead: 0, etaMs: 0 };
    expect(position.ahead).toBeGreaterThanOrEqual(40);
    expect(position.etaMs).toBeGreaterThan(creationEtaMs(position.ahead, 0, refillMs) + 30_000);
  });
});
