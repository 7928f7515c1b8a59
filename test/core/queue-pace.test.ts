import { describe, expect, it } from 'vitest';
import { observedMsPerRequest, PACE_WINDOW_MS, recentSamples, withSample, type PaceSample } from '../../src/core/queue-pace.js';

const NOW = 1_000_000;
const at = (agoMs: number, tokens: number, ms: number): PaceSample => ({ at: NOW - agoMs, tokens, ms });

describe('observedMsPerRequest: the pace the queue is served at, never faster than configured', () => {
  it.each([
    ['nothing seen yet', [], 600],
    ['too few tokens to say anything', [at(1000, 4, 8000)], 600],
    ['served at the configured rate', [at(3000, 5, 3000)], 600],
    ['another replica takes half', [at(6000, 5, 6000), at(0, 5, 6000)], 1200],
    ['a burst at once counts, but never faster than configured', [at(1000, 5, 0), at(0, 5, 1000)], 600],
    ['the burst dilutes a slow pace', [at(13_000, 5, 0), at(0, 10, 12_000)], 800],
    ['samples out of the window are forgotten', [at(PACE_WINDOW_MS + 1, 50, 500_000), at(0, 5, 3000)], 600],
    ['at the window edge a sample still counts', [at(PACE_WINDOW_MS, 5, 10_000)], 2000],
  ] as const)('%s', (_name, samples, expected) => {
    expect(observedMsPerRequest(samples, NOW, 600)).toBe(expected);
  });
});

describe('recentSamples: keeps the window, oldest first', () => {
  it.each([
    ['none', [], []],
    ['all recent', [at(2, 1, 1), at(1, 1, 1)], [at(2, 1, 1), at(1, 1, 1)]],
    ['drops the old ones', [at(PACE_WINDOW_MS + 5, 1, 1), at(PACE_WINDOW_MS + 1, 1, 1), at(10, 1, 1)], [at(10, 1, 1)]],
    ['all old', [at(PACE_WINDOW_MS + 1, 1, 1)], []],
  ] as const)('%s', (_name, samples, expected) => {
    expect(recentSamples(samples, NOW)).toEqual(expected);
  });
});

describe('withSample: adds a sample, one per second, within the window', () => {
  it.each([
    ['the first', [], at(0, 5, 600), [at(0, 5, 600)]],
    ['the same second: merged into the newest', [at(700, 2, 100)], at(100, 3, 200), [at(100, 5, 300)]],
    ['the next second: a sample of its own', [at(1000, 2, 100)], at(0, 3, 200), [at(1000, 2, 100), at(0, 3, 200)]],
    ['drops what left the window', [at(PACE_WINDOW_MS + 1000, 9, 9), at(2000, 1, 1)], at(0, 1, 1), [at(2000, 1, 1), at(0, 1, 1)]],
  ] as const)('%s', (_name, samples, sample, expected) => {
    expect(withSample(samples, sample)).toEqual(expected);
  });

  it('a thousand draws a second for five minutes keep at most about 61 samples', () => {
    let samples: PaceSample[] = [];
    for (let t = 0; t < 300_000; t++) samples = withSample(samples, { at: t, tokens: 1, ms: 1 });
    expect(samples.length).toBeLessThanOrEqual(61);
    expect(observedMsPerRequest(samples, 299_999, 1)).toBe(1);
  });
});
