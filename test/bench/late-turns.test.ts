import { describe, expect, it } from 'vitest';
import type { LateTurnsWindow } from '../../bench/late-turns-mark.js';
import { inLateTurn, lateTurnsRow } from '../../bench/late-turns.js';

const s = 1_000_000;
const window = (turns: [atS: number, lateMs: number][]): LateTurnsWindow => ({
  entry: 'main',
  pid: 42,
  startUs: 100 * s,
  endUs: 130 * s,
  turns: turns.map(([atS, lateMs]) => ({ endUs: 100 * s + atS * s, lateMs })),
});

describe('late turns (npm run bench -- chat --lag-turns)', () => {
  it.each([
    { turns: [] as [number, number][], row: { late_turns: 0, 'first 5 s': 0, after: 0, '>= 50 ms': 0, '>= 100 ms': 0, longest: '' } },
    {
      turns: [[0.4, 30], [1.2, 120], [4.9, 55], [5.1, 26], [20, 80], [21, 25], [29, 40]] as [number, number][],
      row: { late_turns: 7, 'first 5 s': 3, after: 4, '>= 50 ms': 3, '>= 100 ms': 1, longest: '1.2 s: 120 ms, 20.0 s: 80 ms, 4.9 s: 55 ms, 29.0 s: 40 ms, 0.4 s: 30 ms' },
    },
  ])('counts a window of $turns.length late turns: in its first seconds and after, by how late, the five longest', ({ turns, row }) => {
    expect(lateTurnsRow(window(turns))).toEqual({ process: 'main 42', window_s: 30, ...row });
  });

  it.each([
    { atS: 1.2, taken: true, why: 'when the late marker ran' },
    { atS: 1.2 - 0.119, taken: true, why: 'while the turn held it back' },
    { atS: 1.2 - 0.121, taken: false, why: 'before the marker was due' },
    { atS: 1.3, taken: false, why: 'after the turn' },
  ])('takes a profile sample $why: $taken', ({ atS, taken }) => {
    expect(inLateTurn(window([[1.2, 120]]))(100 * s + atS * s)).toBe(taken);
  });
});
