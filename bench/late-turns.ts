import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATE_MS, type LateTurnsWindow } from './late-turns-mark.js';
import { readProfile, timeByEntry } from './cpu-top.js';

/**
 * `--lag-turns`: the turns that held the probe's 10 ms marker back by `LATE_MS` or more (bench/late-turns-mark),
 * per measured window: how many, how many in its first seconds (the burst's intake and first
 * work) and after, the longest, and, where a `--cpu-prof` profile of the same process covers the
 * window, what ran in them. A lag p99 is one number; this says when and what.
 */

/** The first seconds of a window: a burst's intake, its conversations opening, the first polls. */
const EARLY_MS = 5000;

export function readLateTurns(dir: string): LateTurnsWindow[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lateturns.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as LateTurnsWindow)
    .sort((a, b) => a.startUs - b.startUs);
}

export interface LateTurnsRow {
  process: string;
  window_s: number;
  late_turns: number;
  [key: string]: string | number;
}

/** One window's counts: in all, in its first seconds and after, by how late, and the five longest (s into the window: ms late). */
export function lateTurnsRow(w: LateTurnsWindow): LateTurnsRow {
  const sinceStart = (t: { endUs: number }) => (t.endUs - w.startUs) / 1000;
  const early = w.turns.filter((t) => sinceStart(t) < EARLY_MS).length;
  const longest = [...w.turns].sort((a, b) => b.lateMs - a.lateMs).slice(0, 5);
  return {
    process: `${w.entry} ${w.pid}`,
    window_s: Math.round((w.endUs - w.startUs) / 100_000) / 10,
    late_turns: w.turns.length,
    [`first ${EARLY_MS / 1000} s`]: early,
    after: w.turns.length - early,
    '>= 50 ms': w.turns.filter((t) => t.lateMs >= 50).length,
    '>= 100 ms': w.turns.filter((t) => t.lateMs >= 100).length,
    longest: longest.map((t) => `${(sinceStart(t) / 1000).toFixed(1)} s: ${t.lateMs} ms`).join(', '),
  };
}

/** Whether monotonic time `at` (us) falls in one of the window's late turns: from when the marker was due to when it ran. */
export function inLateTurn(w: LateTurnsWindow): (at: number) => boolean {
  const spans = w.turns.map((t) => [t.endUs - t.lateMs * 1000, t.endUs] as const);
  return (at) => spans.some(([from, to]) => at >= from && at <= to);
}

export function printLateTurns(windows: LateTurnsWindow[], profiles: string[]): void {
  if (windows.length === 0) return;
  console.log(`\n   Late turns (--lag-turns): turns that held a 10 ms timer back by ${LATE_MS} ms or more, per measured window (bots and floors): the turns behind a lag p99 of ${LATE_MS} ms and up`);
  console.table(windows.map(lateTurnsRow));
  const covering = profiles.map((file) => ({ file, p: readProfile(file) }));
  for (const w of windows) {
    if (w.turns.length === 0) continue;
    const prof = covering.find(({ p }) => p.startTime <= w.startUs && p.endTime >= w.endUs);
    if (!prof) continue;
    console.log(`\n   What ran in the late turns of ${w.entry} ${w.pid} (${w.turns.length}), by where the event loop entered our code: ${prof.file}`);
    console.table(timeByEntry(prof.p, 15, inLateTurn(w)));
  }
}
