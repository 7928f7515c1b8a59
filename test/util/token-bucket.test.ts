import { describe, expect, it } from 'vitest';
import { createTokenBucket, defaultBurst, type Priority } from '../../src/util/token-bucket.js';
import { ManualClock, settle } from '../support/manual-clock.js';

const T0 = 1_700_000_000_000;

/** Starts a take and records (virtual time, label) when it is granted. */
function taker(clock: ManualClock) {
  const granted: { label: string; at: number }[] = [];
  const rejected: { label: string; reason: unknown }[] = [];
  return {
    granted,
    rejected,
    start(bucket: ReturnType<typeof createTokenBucket>, label: string, priority: Priority, signal?: AbortSignal) {
      return bucket.take(priority, signal).then(
        () => void granted.push({ label, at: clock.now() - T0 }),
        (reason: unknown) => void rejected.push({ label, reason }),
      );
    },
  };
}

describe('defaultBurst', () => {
  it.each([
    [6, 6],
    [10, 10],
    [100, 10],
    [0.5, 1],
  ])('perMinute %s -> burst %s', (perMinute, burst) => {
    expect(defaultBurst(perMinute)).toBe(burst);
  });
});

describe('createTokenBucket', () => {
  it.each([
    [{ perMinute: 0 }],
    [{ perMinute: -1 }],
    [{ perMinute: Number.NaN }],
    [{ perMinute: 10, burst: 0.5 }],
    [{ perMinute: 10, burst: Number.POSITIVE_INFINITY }],
  ])('rejects nonsense options %j', (o) => {
    expect(() => createTokenBucket({ ...o, clock: new ManualClock(T0) })).toThrow(RangeError);
  });

  it('gives the burst at once, then one token per 60000/perMinute ms', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 3, clock });
    const t = taker(clock);
    for (let i = 0; i < 6; i++) void t.start(bucket, `t${i}`, 'low');
    await clock.advance(10_000);
    expect(t.granted.map((g) => g.at)).toEqual([0, 0, 0, 1000, 2000, 3000]);
    expect(bucket.waiting).toBe(0);
  });

  it('the default burst is min(perMinute, 10)', () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 6, clock });
    expect(bucket.available()).toBe(6);
    const big = createTokenBucket({ perMinute: 600, clock });
    expect(big.available()).toBe(10);
  });

  it('tryTake takes free tokens, refills continuously and never exceeds the burst', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 2, clock });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.available()).toBe(0);
    await clock.advance(999);
    expect(bucket.tryTake()).toBe(false);
    await clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
    await clock.advance(3_600_000);
    expect(bucket.available()).toBe(2);
  });

  it('tryTake does not jump the queue', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    expect(bucket.tryTake()).toBe(true);
    const t = taker(clock);
    void t.start(bucket, 'queued', 'low');
    expect(bucket.waiting).toBe(1);
    expect(bucket.tryTake()).toBe(false);
    await clock.advance(1000);
    expect(t.granted).toEqual([{ label: 'queued', at: 1000 }]);
    expect(bucket.tryTake()).toBe(false);
  });

  it('serves waiters of one priority in FIFO order', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const t = taker(clock);
    for (const l of ['a', 'b', 'c', 'd']) void t.start(bucket, l, 'low');
    await clock.advance(5000);
    expect(t.granted).toEqual([
      { label: 'a', at: 1000 },
      { label: 'b', at: 2000 },
      { label: 'c', at: 3000 },
      { label: 'd', at: 4000 },
    ]);
  });

  it('serves every high waiter before any low one, FIFO within each', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const t = taker(clock);
    void t.start(bucket, 'low1', 'low');
    void t.start(bucket, 'low2', 'low');
    void t.start(bucket, 'high1', 'high');
    await clock.advance(1000); // high1 served; low1 and low2 still wait
    void t.start(bucket, 'high2', 'high');
    await clock.advance(3000);
    expect(t.granted.map((g) => `${g.label}@${g.at}`)).toEqual(['high1@1000', 'high2@2000', 'low1@3000', 'low2@4000']);
  });

  it('a high taker gets a free token at once even while low ones are queued', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 2, clock });
    const t = taker(clock);
    void t.start(bucket, 'h', 'high');
    await settle();
    expect(t.granted).toEqual([{ label: 'h', at: 0 }]);
  });

  it('an aborted waiter leaves the queue with the reason and consumes nothing', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const t = taker(clock);
    const ctrl = new AbortController();
    void t.start(bucket, 'a', 'low');
    void t.start(bucket, 'b', 'low', ctrl.signal);
    void t.start(bucket, 'c', 'low');
    expect(bucket.waiting).toBe(3);
    await clock.advance(500);
    ctrl.abort(new Error('gone'));
    await settle();
    expect(bucket.waiting).toBe(2);
    expect(t.rejected).toHaveLength(1);
    expect(t.rejected[0]?.label).toBe('b');
    expect((t.rejected[0]?.reason as Error).message).toBe('gone');
    await clock.advance(2500);
    expect(t.granted).toEqual([
      { label: 'a', at: 1000 },
      { label: 'c', at: 2000 },
    ]);
  });

  it('an already-aborted signal rejects without queueing or taking', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    const reason = new Error('too late');
    await expect(bucket.take('high', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(bucket.waiting).toBe(0);
    expect(bucket.available()).toBe(1);
  });

  it('aborting the only waiter cancels the pending sleep', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 1, burst: 1, clock });
    bucket.tryTake();
    const ctrl = new AbortController();
    const p = bucket.take('low', ctrl.signal).catch(() => 'aborted');
    expect(clock.pending).toBe(1);
    ctrl.abort();
    expect(await p).toBe('aborted');
    expect(clock.pending).toBe(0);
    expect(bucket.waiting).toBe(0);
  });

  it('an abort after the token was granted changes nothing', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const ctrl = new AbortController();
    const t = taker(clock);
    const p = t.start(bucket, 'a', 'low', ctrl.signal);
    await clock.advance(1000);
    ctrl.abort();
    await p;
    expect(t.granted).toEqual([{ label: 'a', at: 1000 }]);
    expect(t.rejected).toEqual([]);
  });

  it('serves 1,000 waiters in order on schedule with a single pending sleep', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 600, burst: 10, clock }); // one token per 100 ms
    const t = taker(clock);
    const ctrls: AbortController[] = [];
    // Every 7th waiter is 'high'; every 10th low one aborts before its turn.
    const expected: string[] = [];
    const highs: string[] = [];
    const lows: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const label = `w${i}`;
      const priority: Priority = i % 7 === 0 ? 'high' : 'low';
      const ctrl = new AbortController();
      ctrls.push(ctrl);
      void t.start(bucket, label, priority, ctrl.signal);
      if (priority === 'high') highs.push(label);
    }
    // The first 10 were served from the burst at once, in arrival order.
    await settle();
    for (let i = 0; i < 10; i++) expected.push(`w${i}`);
    for (let i = 10; i < 1000; i++) {
      const label = `w${i}`;
      if (i % 7 === 0) continue;
      if (i % 10 === 5) ctrls[i]?.abort(new Error('left'));
      else lows.push(label);
    }
    expected.push(...highs.filter((l) => !expected.includes(l)), ...lows);
    expect(bucket.waiting).toBe(expected.length - 10);
    let maxPending = 0;
    while (bucket.waiting > 0) {
      await clock.advance(1000);
      maxPending = Math.max(maxPending, clock.pending);
    }
    expect(maxPending).toBe(1);
    expect(clock.pending).toBe(0);
    expect(t.granted.map((g) => g.label)).toEqual(expected);
    expect(t.granted.map((g) => g.at)).toEqual(expected.map((_, k) => Math.max(0, k - 9) * 100));
    expect(t.rejected).toHaveLength(1000 - expected.length);
  });
});

describe('takeSpare: tokens nobody else needs', () => {
  /** Starts a spare take and records (virtual time, label) when it is granted. */
  function spareTaker(clock: ManualClock, bucket: ReturnType<typeof createTokenBucket>, reserve: number) {
    const granted: string[] = [];
    const rejected: string[] = [];
    return {
      granted,
      rejected,
      start(label: string, signal?: AbortSignal) {
        return bucket.takeSpare(reserve, signal).then(
          () => void granted.push(`${label}@${clock.now() - T0}`),
          () => void rejected.push(label),
        );
      },
    };
  }

  it('is served at once only while the reserve is free, then one at a time, first come first served', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 4, clock }); // a token a second
    const s = spareTaker(clock, bucket, 2);
    for (const l of ['a', 'b', 'c', 'd', 'e']) void s.start(l);
    await settle();
    // 4 free: a, b and c each find at least 2 free; d must wait until 2 are free again.
    expect(s.granted).toEqual(['a@0', 'b@0', 'c@0']);
    await clock.advance(10_000);
    expect(s.granted).toEqual(['a@0', 'b@0', 'c@0', 'd@1000', 'e@2000']);
    expect(bucket.available()).toBe(4);
  });

  it('yields to every take, queued before or after it', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const s = spareTaker(clock, bucket, 1);
    const t = taker(clock);
    void t.start(bucket, 'low', 'low');
    void s.start('spare');
    void t.start(bucket, 'high', 'high');
    await clock.advance(5000);
    expect(t.granted.map((g) => `${g.label}@${g.at}`)).toEqual(['high@1000', 'low@2000']);
    expect(s.granted).toEqual(['spare@3000']);
  });

  it('a take arriving behind a spare taker who needs more gets the next whole token, not the reserve', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 10, clock });
    for (let i = 0; i < 10; i++) bucket.tryTake();
    const s = spareTaker(clock, bucket, 5);
    void s.start('progress'); // needs 5 free: 5 s away
    await clock.advance(100);
    const t = taker(clock);
    void t.start(bucket, 'final', 'high');
    await clock.advance(7000);
    expect(t.granted).toEqual([{ label: 'final', at: 1000 }]);
    // The final's token came out of the reserve: 5 free again only at 6 s.
    expect(s.granted).toEqual(['progress@6000']);
    expect(clock.pending).toBe(0);
  });

  it('an aborted spare taker leaves the queue, consuming nothing; the next in line is served', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 1, clock });
    bucket.tryTake();
    const s = spareTaker(clock, bucket, 1);
    const ctrl = new AbortController();
    void s.start('a', ctrl.signal);
    void s.start('b');
    await clock.advance(500);
    ctrl.abort();
    await clock.advance(1000);
    expect(s.rejected).toEqual(['a']);
    expect(s.granted).toEqual(['b@1000']);
    await expect(bucket.takeSpare(1, AbortSignal.abort())).rejects.toBeDefined();
  });

  it('aborting the only spare taker cancels the pending sleep', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 1, burst: 2, clock });
    bucket.tryTake();
    bucket.tryTake();
    const ctrl = new AbortController();
    const p = bucket.takeSpare(1, ctrl.signal).catch(() => 'aborted');
    expect(clock.pending).toBe(1);
    ctrl.abort();
    expect(await p).toBe('aborted');
    expect(clock.pending).toBe(0);
  });

  it('a reserve beyond the burst asks for the whole burst; refund puts a token back, never beyond it', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 60, burst: 3, clock });
    const s = spareTaker(clock, bucket, 99);
    void s.start('a');
    void s.start('b');
    await settle();
    expect(s.granted).toEqual(['a@0']);
    bucket.refund();
    await settle();
    expect(s.granted).toEqual(['a@0', 'b@0']);
    bucket.refund();
    bucket.refund();
    expect(bucket.available()).toBe(3);
  });

  it('1,000 spare takers on a short bucket: one sleep at a time, served in order, one per token', async () => {
    const clock = new ManualClock(T0);
    const bucket = createTokenBucket({ perMinute: 600, burst: 10, clock }); // one token per 100 ms
    for (let i = 0; i < 10; i++) bucket.tryTake();
    const s = spareTaker(clock, bucket, 5);
    for (let i = 0; i < 1000; i++) void s.start(`w${i}`);
    let maxPending = 0;
    while (s.granted.length < 1000) {
      await clock.advance(1000);
      maxPending = Math.max(maxPending, clock.pending);
    }
    expect(maxPending).toBe(1);
    expect(s.granted.map((g) => g.split('@')[0])).toEqual(Array.from({ length: 1000 }, (_, i) => `w${i}`));
    // Five free after 500 ms; from then on each token is handed out as it comes.
    expect(s.granted.slice(0, 3)).toEqual(['w0@500', 'w1@600', 'w2@700']);
  });
});
