import { pino } from 'pino';
import type { Fault } from '../../src/core/errors.js';
import type { Clock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';

/** A clock whose sleeps return at once but are recorded, so tests see the waits asked for. */
export class InstantClock implements Clock {
  readonly sleeps: number[] = [];
  now(): number {
    return Date.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve();
  }
}

/** A trace-level pino logger writing JSON lines into an array (no redaction, to catch leaks). */
export function captureLogs(): { logger: Logger; lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Records onRetry calls. */
export function retryRecorder(): { calls: { fault: Fault; attempt: number; delayMs: number }[]; onRetry: (f: Fault, a: number, d: number) => void } {
  const calls: { fault: Fault; attempt: number; delayMs: number }[] = [];
  return { calls, onRetry: (fault, attempt, delayMs) => void calls.push({ fault, attempt, delayMs }) };
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
