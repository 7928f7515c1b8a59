/** Bounds how many operations run at once; waiters are served in arrival order. */
export interface Semaphore {
  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
}

/** A FIFO semaphore with `limit` slots. */
export function createSemaphore(limit: number): Semaphore {
  if (!(limit >= 1)) throw new RangeError('semaphore limit must be at least 1');
  let active = 0;
  const queue: { grant: () => void }[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next.grant();
      else active--;
    };
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active++;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            // The slot passes straight from the releaser to this waiter: `active` is unchanged.
            resolve(releaser());
          },
        };
        const onAbort = () => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason);
        };
        queue.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
