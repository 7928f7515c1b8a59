import { createRequestQueue, type RequestQueue } from '../../src/core/request-queue.js';
import { systemClock } from '../../src/util/clock.js';

/** A real request queue with room to spare, for tests about something other than the budget. */
export function roomyQueue(): RequestQueue {
  return createRequestQueue({ perMinute: 100_000, burst: 1000, clock: systemClock, max: 100_000, maxWaitMs: 3_600_000 });
}
