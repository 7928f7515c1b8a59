import { describe, expect, it } from 'vitest';
import { observedMsPerRequest, PACE_WINDOW_MS, recentSamples, type PaceSample } from '../../src/core/queue-pace.js';

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
