import { describe, expect, it } from 'vitest';
import { insertSorted, pruneMinute, windowFullUntil } from '../../src/noc/pace.js';

describe("the watcher's pace within its share of the last 60 s", () => {
  it.each([
    { name: 'empty minute: a check fits', times: [], inFlight: [], cost: 2, budget: 50, now: 0, want: null },
    { name: '45 made, one check of ~3 more fits under 48', times: Array.from({ length: 45 }, (_, i) => i * 1000), inFlight: [], cost: 2, budget: 50, now: 50_000, want: null },
    { name: '46 made: full until the oldest leaves the minute', times: Array.from({ length: 46 }, (_, i) => i * 1000), inFlight: [], cost: 2, budget: 50, now: 50_000, want: 60_000 },
    { name: 'checks in flight count what they will still ask', times: Array.from({ length: 40 }, (_, i) => i * 1000), inFlight: [0, 0, 0], cost: 2, budget: 50, now: 50_000, want: 63_000 },
    { name: 'nothing made yet, in flight alone over: retry in a second', times: [], inFlight: Array.from({ length: 20 }, () => 0), cost: 2, budget: 50, now: 5000, want: 6000 },
  ])('$name', ({ times, inFlight, cost, budget, now, want }) => {
    expect(windowFullUntil({ times, inFlight, costPerCheck: cost, budgetPerMin: budget, now })).toBe(want);
  });

  it('keeps request times ascending and drops those older than a minute', () => {
    const xs = [1000, 5000];
    insertSorted(xs, 3000);
    insertSorted(xs, 70_000);
    expect(xs).toEqual([1000, 3000, 5000, 70_000]);
    pruneMinute(xs, 63_000);
    expect(xs).toEqual([5000, 70_000]);
  });
});
