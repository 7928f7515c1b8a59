import { describe, expect, it } from 'vitest';
import { maxInWindow } from '../support/windows.js';
import { budgetShape, drawTokens, fullRow, refilled, UNIT, type BucketRow, type BudgetShape } from '../../src/core/request-budget.js';

describe('budgetShape: the tokens of any 61 s stay within the rate', () => {
  it.each([
    [1, { capacity: 1, refillPerMin: 1, reserve: 0 }],
    [2, { capacity: 1, refillPerMin: 1, reserve: 0 }],
    [10, { capacity: 1, refillPerMin: 8, reserve: 0 }],
    [30, { capacity: 3, refillPerMin: 26, reserve: 1 }],
    [100, { capacity: 10, refillPerMin: 88, reserve: 5 }],
    [600, { capacity: 10, refillPerMin: 580, reserve: 5 }],
    [100_000, { capacity: 10, refillPerMin: 98_350, reserve: 5 }],
  ])('%i a minute -> %j', (rate, shape) => {
    expect(budgetShape(rate)).toEqual(shape);
    if (rate > 1) expect(shape.capacity + Math.floor((shape.refillPerMin * 61) / 60)).toBeLessThanOrEqual(rate);
  });
});

describe('drawTokens', () => {
  const shape: BudgetShape = budgetShape(100); // 10 tokens, 88 a minute, 5 kept for people
  const T = 1_000_000;
  const row = (tokens: number, at = T): BucketRow => ({ credit: Math.round(tokens * UNIT), at });

  it.each([
    ['a bucket never drawn is full', null, { want: 5, keep: 0, now: T }, 5, 0, 5],
    ['at most what is wanted', row(10), { want: 3, keep: 0, now: T }, 3, 0, 7],
    ['at most what is there', row(2), { want: 5, keep: 0, now: T }, 2, 0, 0],
    ['a sweep leaves the reserve', row(7), { want: 5, keep: 5, now: T }, 2, 0, 5],
    ['a sweep at the reserve waits for one more token (60000/88 ms)', row(5), { want: 1, keep: 5, now: T }, 0, 682, 5],
    ['a person takes the reserve', row(5), { want: 5, keep: 0, now: T }, 5, 0, 0],
    ['empty: the next token in 682 ms', row(0), { want: 1, keep: 0, now: T }, 0, 682, 0],
    ['refilled by time: 2 s is 2.93 tokens', row(0, T - 2000), { want: 5, keep: 0, now: T }, 2, 0, 56 / 60],
    ['half a token in: waits for the other half', row(0.5), { want: 1, keep: 0, now: T }, 0, 341, 0.5],
    ['never above capacity', row(9, T - 600_000), { want: 20, keep: 0, now: T }, 10, 0, 0],
    ['a keep of the whole bucket still lets one through', row(10), { want: 5, keep: 10, now: T }, 1, 0, 9],
  ] as const)('%s', (_name, before, req, granted, waitMs, leftTokens) => {
    const r = drawTokens(before, shape, req);
    expect(r.granted).toBe(granted);
    expect(r.waitMs).toBe(waitMs);
    expect(r.row.credit / UNIT).toBeCloseTo(leftTokens, 9);
  });

  it('a clock behind the row adds nothing and keeps its time (no credit minted twice by skew)', () => {
    const ahead = row(0, T + 5000);
    expect(refilled(ahead, shape, T)).toEqual(ahead);
    // Back at the row's time, the refill starts from there, not from the earlier clock.
    expect(refilled(ahead, shape, T + 6000).credit).toBe(1000 * shape.refillPerMin);
  });

  it('a row left by a larger shape is cut down to this one', () => {
    expect(refilled(row(50), shape, T).credit).toBe(10 * UNIT);
  });

  it('a person waiting and the bucket empty: the wait is exactly until the token is there', () => {
    const first = drawTokens(row(0), shape, { want: 1, keep: 0, now: T });
    const again = drawTokens(first.row, shape, { want: 1, keep: 0, now: T + first.waitMs });
    expect(again.granted).toBe(1);
  });
});

describe('the tokens of any 61 s stay within the rate (virtual time, greedy drawers)', () => {
  // Three replicas that draw whenever they can, in batches, at the instants the math says a
  // token is there, sometimes after a quiet spell: the worst case for a bucket's burst.
  it.each([1, 2, 7, 30, 100, 250])('%i a minute', (rate) => {
    const shape = budgetShape(rate);
    let bucket: BucketRow = fullRow(shape, 0);
    const sent: number[] = [];
    let now = 0;
    let seed = rate;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    while (now < 20 * 60_000) {
      const quiet = random() < 0.02;
      if (quiet) now += Math.floor(random() * 90_000);
      const want = 1 + Math.floor(random() * 5);
      const keep = random() < 0.5 ? shape.reserve : 0;
      const d = drawTokens(bucket, shape, { want, keep, now });
      bucket = d.row;
      for (let i = 0; i < d.granted; i++) sent.push(now);
      now += d.granted > 0 ? Math.floor(random() * 50) : d.waitMs;
    }
    expect(sent.length).toBeGreaterThan(rate * 5);
    // 61 s: a request may reach the upstream up to 1 s after its token (rate 1 has no such margin).
    expect(maxInWindow(sent, rate === 1 ? 60_000 : 61_000)).toBeLessThanOrEqual(rate);
  });

  it('sustains the refill rate: 100/min gives 88 a minute after the first burst', () => {
    const shape = budgetShape(100);
    let bucket: BucketRow = fullRow(shape, 0);
    let now = 0;
    let sent = 0;
    while (now < 10 * 60_000) {
      const d = drawTokens(bucket, shape, { want: 5, keep: 0, now });
      bucket = d.row;
      sent += d.granted;
      now += d.granted > 0 ? 0 : d.waitMs;
    }
    expect(sent).toBeGreaterThanOrEqual(10 + 88 * 10 - 1);
    expect(sent).toBeLessThanOrEqual(10 + 88 * 10);
  });
});
