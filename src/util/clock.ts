/** Time as the engine sees it; tests inject a manual one. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock, on Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (!signal) {
        setTimeout(resolve, Math.max(0, ms));
        return;
      }
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      // No `{ once: true }`: an options object costs a validation per call, and a signal aborts
      // at most once; the timer's path removes the listener itself.
      signal.addEventListener('abort', onAbort);
    }),
};
