import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Fault } from '../../src/core/errors.js';
import { startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
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

/**
 * One fake Ping API for a whole test file: started before its tests, closed after them, and
 * (unless `resetEach` is false) forgetting routes and requests before each test.
 */
export function useFakePingApi(opts: { resetEach?: boolean } = {}): FakePingApi {
  let current: FakePingApi | null = null;
  beforeAll(async () => {
    current = await startFakePingApi();
  });
  afterAll(async () => {
    await current?.close();
  });
  if (opts.resetEach !== false) beforeEach(() => current?.reset());
  const api = (): FakePingApi => {
    if (!current) throw new Error('the fake Ping API is used outside a test');
    return current;
  };
  return {
    get url() {
      return api().url;
    },
    get requests() {
      return api().requests;
    },
    route: (...a) => api().route(...a),
    routeSequence: (...a) => api().routeSequence(...a),
    requestsTo: (...a) => api().requestsTo(...a),
    reset: () => api().reset(),
    close: () => api().close(),
  };
}
