import { basename } from 'node:path';

/**
 * `npm run bench -- chat|discord-chat --lag-turns`: a 10 ms timer in the measured process
 * (bench/bot-probe) notes every turn that held it back by `LATE_MS` or more, on the clock V8's
 * CPU profiles use, so that bench/late-turns can match them to a `--cpu-prof` profile: what ran
 * in them. The lag histogram says how late the loop was; this says when, and in which batch.
 */

/** A lag p99 of 20 ms or more, where the chat benches' bots and pollers measure, is made of these turns. */
export const LATE_MS = 20;
const MARK_MS = 10;

/** When a window's late turns ended and how late each made the marker, monotonic microseconds. */
export interface LateTurnsWindow {
  entry: string;
  pid: number;
  startUs: number;
  endUs: number;
  turns: { endUs: number; lateMs: number }[];
}

/** Microseconds on CLOCK_MONOTONIC: process.hrtime's clock, which V8's profile timestamps are on too. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/** Marks late turns until `stop`, which returns the window's list. */
export function markLateTurns(): { stop(): LateTurnsWindow } {
  const startUs = monoUs();
  const turns: LateTurnsWindow['turns'] = [];
  let due = startUs + MARK_MS * 1000;
  const timer = setInterval(() => {
    const now = monoUs();
    const lateMs = (now - due) / 1000;
    if (lateMs >= LATE_MS) turns.push({ endUs: now, lateMs: Math.round(lateMs) });
    due = now + MARK_MS * 1000;
  }, MARK_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return { entry: basename(process.argv[1] ?? 'process', '.js'), pid: process.pid, startUs, endUs: monoUs(), turns };
    },
  };
}
