import { describe, expect, it } from 'vitest';
import { BusyError } from '../../src/core/errors.js';
import { admit, classOf, createRequestQueue, creationEtaMs, creationPlaces, nextDraw, nextIndex, type QueuePosition, type TokenSource } from '../../src/core/request-queue.js';
import { ManualClock, settle } from '../support/manual-clock.js';


describe('nextIndex: polls of existing tasks, then people, then sweeps, first come first served', () => {
  const c = (kind: 'create' | 'poll', priority: 'interactive' | 'background') => ({ kind, priority });
  it.each([
    ['nothing waits', [], -1],
    ['one sweep creation', [c('create', 'background')], 0],
    ['people before sweeps', [c('create', 'background'), c('create', 'interactive')], 1],
    ['first come within a class', [c('create', 'interactive'), c('create', 'interactive')], 0],
    ['a poll before every creation, however late', [c('create', 'interactive'), c('create', 'interactive'), c('poll', 'background')], 2],
    ["people's polls before sweeps' polls", [c('poll', 'background'), c('poll', 'interactive')], 1],
    ['all four classes', [c('create', 'background'), c('create', 'interactive'), c('poll', 'background'), c('poll', 'interactive')], 3],
  ] as const)('%s', (_name, waiting, expected) => {
    expect(nextIndex(waiting)).toBe(expected);
  });

  it.each([
    ['create', 'interactive', 'create:interactive'],
    ['poll', 'background', 'poll:background'],
  ] as const)('classOf(%s, %s) = %s', (kind, priority, cls) => {
    expect(classOf(kind, priority)).toBe(cls);
  });
});

describe('nextDraw: what a draw is for (its tier) and how many tokens it asks', () => {
  const c = (kind: 'create' | 'poll', priority: 'interactive' | 'background') => ({ kind, priority });
  const many = (n: number, w: { kind: 'create' | 'poll'; priority: 'interactive' | 'background' }) => Array.from({ length: n }, () => w);
  it.each([
    ['nothing waits', [], null],
    ["a sweep's poll is a poll: a debt like a person's", [c('create', 'interactive'), c('poll', 'background')], { purpose: 'polls', want: 1 }],
    ['polls of both kinds, not the creations behind them', [c('poll', 'interactive'), c('create', 'interactive'), c('poll', 'background')], { purpose: 'polls', want: 2 }],
    ["people's creations, not the sweeps' behind them", [c('create', 'background'), c('create', 'interactive'), c('create', 'interactive')], { purpose: 'people', want: 2 }],
    ['sweeps alone', [c('create', 'background')], { purpose: 'sweeps', want: 1 }],
    ['at most a batch', many(12, c('create', 'interactive')), { purpose: 'people', want: 5 }],
  ] as const)('%s', (_name, waiting, expected) => {
    expect(nextDraw(waiting)).toEqual(expected);
  });
});

describe('creationPlaces and the ETA', () => {
  it.each([
    [[], []],
    [['interactive'], [0]],
    [['interactive', 'interactive', 'interactive'], [0, 1, 2]],
    [['background', 'interactive', 'background', 'interactive'], [2, 0, 3, 1]],
  ] as const)('%j -> %j', (creations, places) => {
    expect(creationPlaces(creations)).toEqual(places);
  });

  it.each([
    [0, 0, 600, 600],
    [37, 0, 600, 45_000],
    [10, 5, 600, 15_600],
  ])('%i creations and %i polls ahead at %i ms a request: %i ms', (ahead, polls, ms, eta) => {
    expect(creationEtaMs(ahead, polls, ms)).toBe(eta);
  });
});

describe('admit: bounded by size and by wait', () => {
  it.each([
    [{ queuedCreations: 0, pollsWaiting: 0, max: 500, maxWaitMs: 600_000, msPerRequest: 600 }, { ok: true }],
    [{ queuedCreations: 499, pollsWaiting: 0, max: 500, maxWaitMs: 600_000, msPerRequest: 600 }, { ok: true }],
    [{ queuedCreations: 500, pollsWaiting: 0, max: 500, maxWaitMs: 600_000, msPerRequest: 600 }, { ok: false, reason: 'full', retryAfterMs: 600_600 }],
    [{ queuedCreations: 100, pollsWaiting: 0, max: 500, maxWaitMs: 60_000, msPerRequest: 600 }, { ok: false, reason: 'too_long', retryAfterMs: 120_600 }],
  ] as const)('%o -> %o', (input, expected) => {
    expect(admit(input)).toEqual(expected);
  });
});

describe('RequestQueue in virtual time', () => {
  const setup = (o: { max?: number; maxWaitMs?: number } = {}) => {
    const clock = new ManualClock();
    const queue = createRequestQueue({ perMinute: 60, burst: 1, clock, max: o.max ?? 500, maxWaitMs: o.maxWaitMs ?? 600_000 });
    return { clock, queue };
  };

  it('serves a poll that arrives later ahead of creations already waiting, FIFO within a class', async () => {
    const { clock, queue } = setup();
    const order: string[] = [];
    const take = (name: string, kind: 'create' | 'poll', p: 'interactive' | 'background') =>
      void queue.take(kind, p, undefined).then(() => order.push(name));
    take('c1', 'create', 'interactive'); // the one burst token
    take('sweep', 'create', 'background');
    take('c2', 'create', 'interactive');
    take('c3', 'create', 'interactive');
    await settle();
    take('pollB', 'poll', 'background');
    take('pollA', 'poll', 'interactive');
    await clock.advance(10_000);
    expect(order).toEqual(['c1', 'pollA', 'pollB', 'c2', 'c3', 'sweep']);
  });

  it('tells a waiting creation where it stands, and again as the line moves', async () => {
    const { clock, queue } = setup();
    const seen: number[][] = [[], [], []];
    for (let i = 0; i < 3; i++) void queue.take('create', 'interactive', undefined, (p) => seen[i]?.push(p.ahead));
    await clock.advance(3000);
    // The first goes on the burst token and never waits; the others count down.
    expect(seen).toEqual([[], [0], [1, 0]]);
  });

  it('a person joining a sweep\'s waiting creation moves it ahead of the other sweeps', async () => {
    const { clock, queue } = setup();
    const order: string[] = [];
    let joined: 'interactive' | 'background' = 'background';
    await queue.take('create', 'background'); // the burst token
    void queue.take('create', 'background').then(() => order.push('sweep1'));
    void queue.take('create', () => joined).then(() => order.push('sweep2+person'));
    void queue.take('create', 'interactive').then(() => order.push('person'));
    joined = 'interactive';
    await clock.advance(5000);
    expect(order).toEqual(['sweep2+person', 'person', 'sweep1']);
  });

  it('a cancelled waiter leaves at once and consumes nothing', async () => {
    const { clock, queue } = setup();
    await queue.take('create', 'interactive');
    const ctl = new AbortController();
    const cancelled = queue.take('create', 'interactive', ctl.signal);
    const next = queue.take('create', 'interactive');
    ctl.abort('bye');
    await expect(cancelled).rejects.toBe('bye');
    expect(queue.waiting).toBe(1);
    await clock.advance(1000);
    await next;
    expect(queue.waiting).toBe(0);
  });

  it('refuses a new check past PING_QUEUE_MAX with when to try again, and gives up a creation that waited past the bound', async () => {
    const { clock, queue } = setup({ max: 2, maxWaitMs: 30_000 });
    await queue.take('create', 'interactive');
    const a = queue.take('create', 'interactive');
    const b = queue.take('create', 'interactive');
    expect(queue.admit()).toEqual({ ok: false, reason: 'full', retryAfterMs: 5000 });
    // Polls keep coming: the creations starve until the bound ends their wait.
    let stop = false;
    void (async () => {
      while (!stop) await queue.take('poll', 'interactive');
    })();
    const aErr = a.catch((e: unknown) => e);
    const bErr = b.catch((e: unknown) => e);
    await clock.advance(31_000);
    stop = true;
    expect(await aErr).toBeInstanceOf(BusyError);
    expect(await bErr).toBeInstanceOf(BusyError);
  });

  /** Tokens one at a time every `everyMs`: another replica on the shared budget takes the rest. */
  const slowSource = (clock: ManualClock, everyMs: number): TokenSource => ({
    take: (_want, _people, signal) => clock.sleep(everyMs, signal).then(() => 1),
  });

  it('counts the ETA at the pace its tokens really come, when other replicas share the budget', async () => {
    const clock = new ManualClock();
    // 60 a minute configured (1 s a request); this replica gets one token every 2 s.
    const queue = createRequestQueue({ perMinute: 60, burst: 1, clock, max: 500, maxWaitMs: 600_000, source: slowSource(clock, 2000) });
    const told: QueuePosition[] = [];
    for (let i = 0; i < 19; i++) void queue.take('create', 'interactive');
    void queue.take('create', 'interactive', undefined, (p) => told.push(p));
    await settle();
    // Nothing seen yet: the configured rate, 19 checks ahead at 2 requests and 1 s each.
    expect(told.at(-1)).toEqual({ ahead: 19, etaMs: 39_000, msPerRequest: 1000 });
    await clock.advance(10_000);
    // Five tokens in 10 s: the pace is 2 s a request, and the ETA says so.
    expect(told.at(-1)).toEqual({ ahead: 14, etaMs: 58_000, msPerRequest: 2000 });
    // Admission counts with the same pace: 15 creations waiting, 62 s, over a 60 s bound.
    const bounded = createRequestQueue({ perMinute: 60, burst: 1, clock, max: 500, maxWaitMs: 60_000, source: slowSource(clock, 2000) });
    for (let i = 0; i < 20; i++) void bounded.take('create', 'interactive');
    await clock.advance(10_000);
    expect(bounded.admit()).toEqual({ ok: false, reason: 'too_long', retryAfterMs: 62_000 });
  });

  it('keeps the configured pace when its tokens come at the configured rate, and after an idle spell', async () => {
    const clock = new ManualClock();
    const queue = createRequestQueue({ perMinute: 60, burst: 1, clock, max: 500, maxWaitMs: 600_000, source: slowSource(clock, 1000) });
    for (let i = 0; i < 10; i++) void queue.take('create', 'interactive');
    await clock.advance(10_000);
    expect(queue.waiting).toBe(0);
    // Ten minutes with nothing waiting: no sample stretches over them.
    await clock.advance(600_000);
    const told: QueuePosition[] = [];
    for (let i = 0; i < 9; i++) void queue.take('create', 'interactive');
    void queue.take('create', 'interactive', undefined, (p) => told.push(p));
    await clock.advance(6000);
    expect(told.at(-1)).toEqual({ ahead: 3, etaMs: 7000, msPerRequest: 1000 });
  });
});
