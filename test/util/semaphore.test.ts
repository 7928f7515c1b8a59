import { describe, expect, it } from 'vitest';
import { createSemaphore } from '../../src/util/semaphore.js';

describe('semaphore', () => {
  it('runs at most `limit` at once and serves waiters in order', async () => {
    const sem = createSemaphore(2);
    const order: string[] = [];
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    const w3 = sem.acquire().then((r) => (order.push('3'), r));
    const w4 = sem.acquire().then((r) => (order.push('4'), r));
    expect([sem.active, sem.waiting]).toEqual([2, 2]);
    r1();
    const r3 = await w3;
    expect(order).toEqual(['3']);
    r2();
    const r4 = await w4;
    expect(order).toEqual(['3', '4']);
    r3();
    r4();
    expect([sem.active, sem.waiting]).toEqual([0, 0]);
  });

  it('lets an aborted waiter leave without taking a slot, and ignores a second release', async () => {
    const sem = createSemaphore(1);
    const r1 = await sem.acquire();
    const ctl = new AbortController();
    const w = sem.acquire(ctl.signal);
    ctl.abort(new Error('gone'));
    await expect(w).rejects.toThrow('gone');
    expect(sem.waiting).toBe(0);
    r1();
    r1();
    expect(sem.active).toBe(0);
    const again = await sem.acquire();
    expect(sem.active).toBe(1);
    again();
  });

  it('rejects at once for an already aborted signal and a bad limit', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('late'));
    await expect(createSemaphore(1).acquire(ctl.signal)).rejects.toThrow('late');
    expect(() => createSemaphore(0)).toThrow(RangeError);
  });
});
