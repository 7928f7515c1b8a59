import type { Fault } from '../../src/core/errors.js';
import type { Clock } from '../../src/util/clock.js';
import { captureLogs as captureRawLogs, type CapturedLogs } from '../support/log-capture.js';

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

/** A trace-level logger without redaction: the client must never hand a secret to it at all. */
export const captureLogs = (): CapturedLogs => captureRawLogs({ redact: false });

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
