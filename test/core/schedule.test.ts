import { describe, expect, it } from 'vitest';
import { capPolls, cappedPollOffset, documentedPollOffset, expectedPolls, maxPolls, planOffset, planPolls, pollDelay, pollOffset, POLL_BUDGET_SHARE, referencePollOffset } from '../../src/core/schedule.js';

const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000 };

describe('poll schedule', () => {
  it.each([
    // packets, first polls (ms after task creation)
    [1, [2500, 4500, 7500, 12000]],
    [4, [4300, 4900, 5500, 7500, 10500, 15000, 20000]],
    [10, [10300, 10900, 11500, 13500]],
  ])('with %i packets polls at %j', (packets, expected) => {
    expect(expected.map((_, i) => pollOffset(i + 1, packets, cfg))).toEqual(expected);
  });

  it('never polls before the initial delay', () => {
    for (let packets = 1; packets <= 20; packets++) expect(pollOffset(1, packets, cfg)).toBeGreaterThanOrEqual(2500);
    expect(pollOffset(1, 1, { ...cfg, initialDelayMs: 9000 })).toBe(9000);
  });

  it('grows intervals after the likely window and caps them at the maximum', () => {
    const delays = Array.from({ length: 20 }, (_, i) => pollDelay(i + 1, 4, cfg));
    const afterWindow = delays.slice(3);
    for (let i = 1; i < afterWindow.length; i++) expect(afterWindow[i]).toBeGreaterThanOrEqual(afterWindow[i - 1] ?? 0);
    expect(Math.max(...delays.slice(1))).toBe(5000);
    expect(delays.every((d) => d > 0)).toBe(true);
  });

  it('respects a maximum interval smaller than the window step', () => {
    const tight = { initialDelayMs: 0, intervalMs: 100, maxIntervalMs: 200, packetMs: 1000 };
    const delays = Array.from({ length: 30 }, (_, i) => pollDelay(i + 2, 4, tight));
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
  });

  it('uses fewer polls than the documented strategy within a 60 s deadline', () => {
    const countWithin = (offset: (n: number) => number) => {
      let n = 0;
      while (offset(n + 1) <= 60_000) n++;
      return n;
    };
    const ours = countWithin((n) => pollOffset(n, 4, cfg));
    const documented = countWithin(documentedPollOffset);
    expect(documented).toBe(29);
    expect(ours).toBeLessThan(documented);
  });
});

describe('learned poll plan', () => {
  const plan = { ...cfg, timeoutMs: 60_000 };
  /** A belief in 100 ms bins over 60 s plus "later": `p` spread evenly over (fromMs, toMs]. */
  const evenly = (fromMs: number, toMs: number) => {
    const d = new Array<number>(601).fill(0);
    for (let i = fromMs / 100; i < toMs / 100; i++) d[i] = 1 / ((toMs - fromMs) / 100);
    return d;
  };
  const delayOf = (offsets: number[], d: number) => (offsets.find((t) => t >= d) ?? Infinity) - d;

  it('polls densely over a narrow window and first just after it opens, within the budget', () => {
    const d = evenly(4200, 6000);
    const offsets = planPolls(d, 100, plan);
    const budget = POLL_BUDGET_SHARE * expectedPolls((n) => referencePollOffset(n, plan), d, 100, 60_000);
    expect(expectedPolls((n) => planOffset(offsets, n, plan), d, 100, 60_000)).toBeLessThanOrEqual(budget);
    expect(offsets[0]).toBeGreaterThan(4200);
    expect(offsets[0]).toBeLessThan(5000);
    const inWindow = offsets.filter((t) => t > 4200 && t <= 6000);
    expect(inWindow.length).toBeGreaterThanOrEqual(3);
    // Every task in the window is seen within half a second.
    for (let t = 4250; t < 6000; t += 100) expect(delayOf(offsets, t)).toBeLessThanOrEqual(600);
  });

  it('does no worse than the documented strategy when durations say nothing', () => {
    const d = evenly(1000, 15_000);
    const offsets = planPolls(d, 100, plan);
    const documented = Array.from({ length: 10 }, (_, i) => referencePollOffset(i + 1, plan));
    const meanDelay = (o: number[]) => d.reduce((s, p, i) => s + p * (p > 0 ? delayOf(o, i * 100 + 50) : 0), 0);
    expect(meanDelay(offsets)).toBeLessThanOrEqual(meanDelay(documented));
    expect(expectedPolls((n) => planOffset(offsets, n, plan), d, 100, 60_000)).toBeLessThanOrEqual(expectedPolls((n) => referencePollOffset(n, plan), d, 100, 60_000));
    // Nothing ends after 15 s: from there on, the longest gap allowed.
    const late = offsets.filter((t) => t >= 15_000);
    expect(late.length).toBeGreaterThan(3);
    expect(late.slice(1).map((t, i) => t - (late[i] ?? 0)).every((gap) => gap === 5000)).toBe(true);
  });

  it('never polls before PING_INITIAL_DELAY_MS nor leaves a gap over PING_MAX_INTERVAL_MS', () => {
    const d = evenly(500, 20_000);
    const offsets = planPolls(d, 100, { ...plan, initialDelayMs: 3000, maxIntervalMs: 1500 });
    expect(offsets[0]).toBeGreaterThanOrEqual(3000);
    const gaps = offsets.slice(1).map((t, i) => t - (offsets[i] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1500);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200);
  });

  it('past the plan backs off from PING_INTERVAL_MS to PING_MAX_INTERVAL_MS', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => planOffset([1000, 1500], n, cfg))).toEqual([1000, 1500, 3500, 6500, 11000, 16000]);
  });
});

describe('cappedPollOffset: no more often than the documented strategy (issue 18)', () => {
  const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 };
  it('maxPolls is the documented strategy\'s polls by the deadline', () => {
    expect(maxPolls(cfg)).toBe(29);
    expect(maxPolls({ ...cfg, timeoutMs: 20_000 })).toBe(9);
    expect(maxPolls({ ...cfg, timeoutMs: 1000 })).toBe(1);
  });
  it.each([
    // attempt, planned, previous, ahead, expected
    [1, 4300, undefined, 2, 4300], // the plan's first poll as planned
    [2, 4400, 4300, 2, 4500], // at least 200 ms (0.2 packet) after the previous
    [3, 4900, 4500, 2, 4900], // two ahead of the documented strategy: free
    [4, 5100, 4900, 2, 5100], // poll 4 not before documented poll 2 (4.5 s)
    [5, 5300, 5100, 2, 6500], // poll 5 not before documented poll 3 (6.5 s)
    [3, 4900, 4500, 0, 6500], // ahead 0: never before documented poll 3
    [29, 50_000, 49_800, 2, 54_500],
    [30, 50_200, 54_500, 2, 62_000], // past 29 polls: after the deadline
  ])('poll %i planned at %i after %s (ahead %i) goes at %i', (attempt, planned, previous, ahead, expected) => {
    expect(cappedPollOffset(attempt, planned, previous, cfg, ahead)).toBe(expected);
  });
  it('a plan that polls every 300 ms gets 29 polls in 60 s, at most two ahead of the documented pace', () => {
    const capped = capPolls((m) => 300 * m, cfg);
    const times = Array.from({ length: 40 }, (_, i) => capped(i + 1)).filter((t) => t <= 60_000);
    expect(times).toHaveLength(29);
    times.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(i + 1 > 2 ? 2500 + (i - 2) * 2000 : 0));
  });
});
