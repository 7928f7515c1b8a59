import type { Clock } from '../../src/util/clock.js';

/** A clock that moves only when the test says so; sleepers wake in time order. */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve: () => {} };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal?.reason);
      };
      entry.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of pending sleeps. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking each sleeper at its own instant and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers[0];
      if (!next || next.at > end) break;
      this.sleepers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    this.t = end;
    await settle();
  }

  /** Advances in steps until `predicate` holds (it may ask the store) or `maxMs` of virtual time passed. */
  async until(predicate: () => boolean | Promise<boolean>, maxMs = 600_000, stepMs = 50): Promise<void> {
    let spent = 0;
    while (!(await predicate()) && spent < maxMs) {
      await this.advance(stepMs);
      spent += stepMs;
    }
    if (!(await predicate())) throw new Error(`condition not met within ${maxMs} ms of virtual time`);
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
