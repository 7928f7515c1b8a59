/** Settles like `work`, or rejects with the signal's reason when it aborts first; `work` itself runs on. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The reason to pass when a wait is called off because it is no longer needed (its work ended
 * first). `abort()` without a reason builds a new DOMException, stack trace and all, every time:
 * on paths that run per request or per poll that showed in the profile. Nobody reads it.
 */
export const NO_LONGER_NEEDED = new Error('no longer needed');
