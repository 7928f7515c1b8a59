import { describe, expect, it } from 'vitest';
import { documentedPollOffset, pollDelay, pollOffset } from '../../src/core/schedule.js';

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
