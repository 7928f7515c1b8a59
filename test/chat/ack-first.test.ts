import { describe, expect, it } from 'vitest';
import { createAckFirst } from '../../src/chat/ack-first.js';
import { ManualClock } from '../support/manual-clock.js';

/** Lets `n` event-loop turns pass (each ack-first turn starts at most one unit). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('acks first: follow-up work of acknowledged commands', () => {
  it('waits while a request is in hand and until requests were quiet for quietMs, then starts in arrival order', async () => {
    const clock = new ManualClock();
    const q = createAckFirst({ clock, quietMs: 30, maxHoldMs: 1000 });
    const started: string[] = [];
    const release = q.incoming();
    const done = ['a', 'b', 'c'].map((name) => q.after(async () => void started.push(name)));
    await clock.advance(500);
    // The request is still being answered: nothing may start before the hold ends.
    expect(started).toEqual([]);
    expect(q.waiting).toBe(3);
    release();
    await clock.advance(29);
    expect(started).toEqual([]);
    // Another command arrives and is answered within the quiet time: the wait starts again.
    q.incoming()();
    await clock.advance(29);
    expect(started).toEqual([]);
    await clock.advance(1);
    await Promise.all(done);
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('never holds a unit longer than maxHoldMs while requests keep coming', async () => {
    const clock = new ManualClock();
    const q = createAckFirst({ clock, maxHoldMs: 1000 });
    const started: string[] = [];
    q.incoming(); // a request that is never released
    const done = q.after(async () => void started.push('late'));
    await clock.advance(999);
    await turns(5);
    expect(started).toEqual([]);
    await clock.advance(1);
    await done;
    expect(started).toEqual(['late']);
  });

  it('starts at once past maxQueued waiting units (the bound), and passes results and errors through', async () => {
    const clock = new ManualClock();
    const q = createAckFirst({ clock, maxQueued: 2 });
    const release = q.incoming();
    const held = [q.after(async () => 1), q.after(async () => 2)];
    const third = q.after(async () => 3);
    await expect(third).resolves.toBe(3);
    expect(q.waiting).toBe(2);
    const failing = q.after(async () => {
      throw new Error('look-up failed');
    });
    const failed = expect(failing).rejects.toThrow('look-up failed');
    release();
    await clock.advance(100);
    await expect(Promise.all(held)).resolves.toEqual([1, 2]);
    await failed;
  });

  it('a request released twice counts once', async () => {
    const clock = new ManualClock();
    const q = createAckFirst({ clock, quietMs: 30, maxHoldMs: 1000 });
    const first = q.incoming();
    const second = q.incoming();
    first();
    first();
    const started: number[] = [];
    const done = q.after(async () => void started.push(1));
    await clock.advance(100);
    expect(started).toEqual([]);
    second();
    await clock.advance(30);
    await done;
    expect(started).toEqual([1]);
  });
});
