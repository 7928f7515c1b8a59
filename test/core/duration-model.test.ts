import { describe, expect, it } from 'vitest';
import { DURATION_MODEL, distribution, fitsShape, modelShape, observe, priorModel } from '../../src/core/duration-model.js';

/** Belief (probability) that a task ends within (fromMs, toMs]. */
const massIn = (dist: number[], binMs: number, fromMs: number, toMs: number) =>
  dist.slice(Math.floor(fromMs / binMs), Math.ceil(toMs / binMs)).reduce((s, x) => s + x, 0);

describe('duration model', () => {
  it.each([
    // packet ms, deadline ms → bin ms, bins
    [1000, 60_000, 100, 600],
    [1000, 10_000, 100, 100],
    [20, 60_000, 2, 600],
    [1, 1000, 1, 600],
  ])('packet time %i ms and deadline %i ms give %i ms bins, %i of them', (packetMs, timeoutMs, binMs, bins) => {
    expect(modelShape(packetMs, timeoutMs)).toEqual({ binMs, bins });
  });

  it('starts from the packet model: a 4-packet task ends 4.3-5.5 s after creation', () => {
    const m = priorModel(4, 1000, 60_000);
    const d = distribution(m);
    expect(m.observed).toBe(0);
    expect(massIn(d, 100, 4300, 5500)).toBeGreaterThan(0.85);
    expect(massIn(d, 100, 0, 4300)).toBeLessThan(0.1);
    expect(d.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
  });

  it('moves belief to where tasks are seen to end, even far from the prior', () => {
    let m = priorModel(4, 1000, 60_000);
    for (let i = 0; i < 100; i++) m = observe(m, { kind: 'finished', afterMs: 9000 + (i % 5) * 100, byMs: 9500 + (i % 5) * 100 });
    const d = distribution(m);
    expect(m.observed).toBe(100);
    expect(massIn(d, 100, 9000, 10_000)).toBeGreaterThan(0.9);
    expect(massIn(d, 100, 4300, 5500)).toBeLessThan(0.05);
  });

  it('spreads one censored task over its interval, half by what it already believes, half evenly', () => {
    const prior = priorModel(4, 1000, 60_000);
    // Pending at 4.0 s, final by 6.0 s: the prior puts (nearly) everything in 4.3-5.5, so does
    // the first half; the even half puts 1.2 s of the 2 s there.
    const m = observe(prior, { kind: 'finished', afterMs: 4000, byMs: 6000 });
    const added = m.weights.map((w, i) => w - (prior.weights[i] ?? 0) * DURATION_MODEL.decay);
    expect(added.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    expect(massIn(added, 100, 4300, 5500)).toBeCloseTo(0.5 * 0.999 + 0.5 * 0.6, 2);
    expect(massIn(added, 100, 0, 4000) + massIn(added, 100, 6000, 60_100)).toBe(0);
  });

  it('spreads a task over an interval it knows nothing about evenly', () => {
    const prior = priorModel(4, 1000, 60_000);
    const m = observe(prior, { kind: 'finished', afterMs: 10_000, byMs: 12_000 });
    const added = m.weights.map((w, i) => w - (prior.weights[i] ?? 0) * DURATION_MODEL.decay);
    expect(added[100]).toBeCloseTo(0.05, 6);
    expect(added[119]).toBeCloseTo(0.05, 6);
  });

  it('counts a task still pending at the deadline as ending later than its last poll', () => {
    const m = observe(priorModel(4, 1000, 10_000), { kind: 'unfinished', afterMs: 9500 });
    const added = m.weights.map((w, i) => w - (priorModel(4, 1000, 10_000).weights[i] ?? 0) * DURATION_MODEL.decay);
    expect(massIn(added, 100, 9500, 10_100)).toBeCloseTo(1, 9);
  });

  it('forgets old tasks: a network that got faster is followed', () => {
    let m = priorModel(4, 1000, 60_000);
    for (let i = 0; i < 200; i++) m = observe(m, { kind: 'finished', afterMs: 8000, byMs: 8400 });
    for (let i = 0; i < 300; i++) m = observe(m, { kind: 'finished', afterMs: 4400, byMs: 4800 });
    expect(massIn(distribution(m), 100, 4400, 4800)).toBeGreaterThan(0.9);
  });

  it('refuses a stored model of another shape or with bad weights', () => {
    const m = priorModel(4, 1000, 60_000);
    expect(fitsShape(m, 1000, 60_000)).toBe(true);
    expect(fitsShape(m, 500, 60_000)).toBe(false);
    expect(fitsShape(m, 1000, 30_000)).toBe(false);
    expect(fitsShape({ ...m, weights: m.weights.map((w, i) => (i === 3 ? -1 : w)) }, 1000, 60_000)).toBe(false);
  });
});
