import { describe, expect, it } from 'vitest';
import { BusyError } from '../../src/core/errors.js';
import {
  admit,
  classOf,
  createRequestQueue,
  creationEtaMs,
  creationsAhead,
  nextClass,
  type RequestClass,
} from '../../src/core/request-queue.js';
import { ManualClock, settle } from '../support/manual-clock.js';

const none: Record<RequestClass, number> = { 'poll:interactive': 0, 'poll:background': 0, 'create:interactive': 0, 'create:background': 0 };
const w = (o: Partial<Record<RequestClass, number>>) => ({ ...none, ...o });

describe('nextClass: polls of existing tasks, then people, then sweeps', () => {
  it.each([
    [w({}), null],
    [w({ 'create:background': 3 }), 'create:background'],
    [w({ 'create:background': 3, 'create:interactive': 1 }), 'create:interactive'],
    [w({ 'create:interactive': 9, 'poll:background': 1 }), 'poll:background'],
    [w({ 'poll:background': 1, 'poll:interactive': 1 }), 'poll:interactive'],
    [w({ 'create:interactive': 500, 'create:background': 5, 'poll:interactive': 1 }), 'poll:interactive'],
  ] as const)('%o -> %s', (waiting, expected) => {
    expect(nextClass(waiting)).toBe(expected);
  });

  it.each([
    ['create', 'interactive', 'create:interactive'],
    ['poll', 'background', 'poll:background'],
  ] as const)('classOf(%s, %s) = %s', (kind, priority, cls) => {
    expect(classOf(kind, priority)).toBe(cls);
  });
});

describe('creationsAhead and the ETA', () => {
  it.each([
    ['create:interactive', 0, w({ 'create:interactive': 1 }), 0],
    ['create:interactive', 36, w({ 'create:interactive': 40, 'create:background': 9 }), 36],
    ['create:background', 2, w({ 'create:interactive': 5, 'create:background': 3, 'poll:interactive': 7 }), 7],
  ] as const)('%s at %i with %o has %i ahead', (cls, index, waiting, ahead) => {
    expect(creationsAhead(cls, index, waiting)).toBe(ahead);
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
});
