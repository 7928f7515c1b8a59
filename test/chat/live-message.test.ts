import { describe, expect, it } from 'vitest';
import {
  createLiveMessage,
  finalRetryDelayMs,
  retryAfterDelayMs,
  viewKey,
  type LiveMessageOptions,
} from '../../src/chat/live-message.js';
import { RateLimitedError, type LiveMessage } from '../../src/chat/live-message.types.js';
import { silentLogger } from '../../src/util/logger.js';
import { createTokenBucket, type TokenBucket } from '../../src/util/token-bucket.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { seededRandom } from '../../src/sim/seeded.js';
import { captureLogs } from '../support/log-capture.js';

const T0 = 1_700_000_000_000;

interface View {
  id: string;
  seq: number;
  final?: boolean;
}

const v = (seq: number, id = 'm'): View => ({ id, seq });
const fin = (id = 'm'): View => ({ id, seq: -1, final: true });

interface Call {
  /** Virtual ms since T0. */
  at: number;
  view: View;
  ok: boolean;
}

/**
 * A fake platform message: records every edit attempt and what it shows now. `plan` may make
 * attempt number `n` (0-based, per message) fail; `latencyMs` makes each edit take virtual time.
 */
function platform(clock: ManualClock, plan?: (n: number, view: View) => Error | undefined, latencyMs = 0) {
  const calls: Call[] = [];
  let shown: View | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    calls,
    get shown() {
      return shown;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    delivered: () => calls.filter((c) => c.ok),
    editor: async (view: View): Promise<void> => {
      const n = calls.length;
      const err = plan?.(n, view);
      const call: Call = { at: clock.now() - T0, view, ok: !err };
      calls.push(call);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (latencyMs > 0) await clock.sleep(latencyMs);
        if (err) throw err;
        shown = view;
      } finally {
        inFlight--;
      }
    },
  };
}

function bigBudget(clock: ManualClock): TokenBucket {
  return createTokenBucket({ perMinute: 60_000, burst: 1000, clock });
}

function opts(clock: ManualClock, budget: TokenBucket, extra: Partial<LiveMessageOptions<View>> = {}): LiveMessageOptions<View> {
  return { budget, clock, logger: silentLogger, ...extra };
}

/** Tracks when a finish promise settles, in virtual ms since T0. */
function track(p: Promise<void>, clock: ManualClock) {
  const s: { resolvedAt?: number; error?: unknown } = {};
  p.then(
    () => void (s.resolvedAt = clock.now() - T0),
    (err: unknown) => void (s.error = err),
  );
  return s;
}

/** Largest number of calls in any closed window [t, t + windowMs]. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] ?? 0;
    if (j < i) j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] ?? 0) <= start + windowMs) j++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}


describe('pure helpers', () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, true],
    [{ a: 1 }, { a: 2 }, false],
    ['text', 'text', true],
    [{ t: `${'…'.repeat(5000)}a` }, { t: `${'…'.repeat(5000)}b` }, false],
    [{ t: 'undefined' }, undefined, false],
  ])('viewKey(%j) equals viewKey(%j): %s', (a, b, same) => {
    expect(viewKey(a) === viewKey(b)).toBe(same);
  });

  it('viewKey is a digest of the same small size whatever the view: a live message keeps it until the verdict', () => {
    const keys = [viewKey('x'), viewKey({ card: '…'.repeat(20_000) })];
    expect(keys.map((k) => k?.length)).toEqual([44, 44]);
  });

  it('viewKey of an unserialisable view is undefined (never equal)', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(viewKey(cyclic)).toBeUndefined();
    expect(viewKey(10n)).toBeUndefined();
  });

  it.each([
    [1, 1000, 1000],
    [2, 1000, 2000],
    [3, 1000, 4000],
    [5, 1000, 16_000],
    [6, 1000, 30_000],
    [60, 1000, 30_000],
  ])('finalRetryDelayMs(%s, %s) = %s', (failures, base, expected) => {
    expect(finalRetryDelayMs(failures, base)).toBe(expected);
  });

  it.each([
    [5000, 1000, 5000],
    [0, 1000, 0],
    [-5, 1000, 0],
    [Number.NaN, 1000, 1000],
    [Number.POSITIVE_INFINITY, 1000, 1000],
    [86_400_000, 1000, 900_000],
  ])('retryAfterDelayMs(%s, fallback %s) = %s', (retryAfter, fallback, expected) => {
    expect(retryAfterDelayMs(retryAfter, fallback)).toBe(expected);
  });
});

describe('createLiveMessage', () => {
  it('rejects nonsense options', () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    expect(() => createLiveMessage(p.editor, opts(clock, bigBudget(clock), { minIntervalMs: -1 }))).toThrow(RangeError);
    expect(() => createLiveMessage(p.editor, opts(clock, bigBudget(clock), { maxFinalAttempts: 0 }))).toThrow(RangeError);
  });

  it('coalesces 10 updates in 100 ms into two edits, the last one the newest', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    for (let i = 0; i < 10; i++) {
      m.update(v(i));
      await clock.advance(10);
    }
    await clock.advance(5000);
    expect(p.calls).toEqual([
      { at: 0, view: v(0), ok: true },
      { at: 1000, view: v(9), ok: true },
    ]);
    expect(m.edits).toBe(2);
    expect(clock.pending).toBe(0); // idle loop holds no timer
  });

  it('spaces edits of one message by minIntervalMs and always sends the newest view', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock), { minIntervalMs: 1500 }));
    for (let i = 0; i < 50; i++) {
      m.update(v(i));
      await clock.advance(100);
    }
    await clock.advance(5000);
    expect(p.calls.map((c) => [c.at, c.view.seq])).toEqual([
      [0, 0],
      // The loop wakes at 1500 before the test offers view 15 at that same instant.
      [1500, 14],
      [3000, 29],
      [4500, 44],
      [6000, 49],
    ]);
  });

  it('sends nothing when the newest view equals the one shown', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update({ id: 'm', seq: 1 });
    await clock.advance(2000);
    m.update({ id: 'm', seq: 1 }); // a new object, same content
    await clock.advance(2000);
    expect(p.calls).toHaveLength(1);

    m.update(v(2)); // t=4000: sent at once
    await clock.advance(100);
    m.update(v(3));
    await clock.advance(100);
    m.update({ ...v(2) }); // back to what is shown before the interval elapsed
    await clock.advance(5000);
    expect(p.calls.map((c) => [c.at, c.view.seq])).toEqual([
      [0, 1],
      [4000, 2],
    ]);
    expect(m.edits).toBe(2);
  });

  it('an update equal to the view the message was posted with (shown) is not sent; a different one is', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock), { shown: v(0) }));
    m.update({ id: 'm', seq: 0 });
    await clock.advance(2000);
    expect(p.calls).toHaveLength(0);
    m.update(v(1));
    await clock.advance(2000);
    expect(p.calls.map((c) => c.view.seq)).toEqual([1]);
  });

  it('always delivers the final view last, and ignores updates after finish', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const budget = bigBudget(clock);
    const m: LiveMessage<View> = createLiveMessage(p.editor, opts(clock, budget));
    for (let i = 0; i < 30; i++) {
      m.update(v(i));
      await clock.advance(100);
    }
    const done = track(m.finish(fin()), clock);
    m.update(v(100)); // after finish: ignored
    await clock.advance(3000);
    m.update(v(101));
    await clock.advance(3000);
    // View 29 went out at 3000, so the final waits for the interval.
    expect(done.resolvedAt).toBe(4000);
    expect(p.calls.at(-1)).toEqual({ at: 4000, view: fin(), ok: true });
    expect(p.calls.map((c) => c.view.seq)).not.toContain(100);
    expect(p.calls.map((c) => c.view.seq)).not.toContain(101);
    expect(p.shown).toEqual(fin());
    expect(m.edits).toBe(p.calls.length);
    expect(clock.pending).toBe(0); // the loop stopped
    expect(budget.waiting).toBe(0);
  });

  it('resolves finish only once the final view reached the platform (min interval applies)', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(100);
    const done = track(m.finish(fin()), clock);
    await clock.advance(899);
    expect(done.resolvedAt).toBeUndefined();
    expect(p.calls).toHaveLength(1);
    await clock.advance(1);
    expect(done.resolvedAt).toBe(1000);
    expect(p.calls.map((c) => c.at)).toEqual([0, 1000]);
  });

  it('a final equal to the view shown resolves without another edit; a second finish changes nothing', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(fin());
    await clock.advance(10);
    const first = m.finish({ ...fin() });
    await clock.advance(10);
    await expect(first).resolves.toBeUndefined();
    const second = m.finish(v(7));
    expect(second).toBe(first);
    await clock.advance(5000);
    expect(p.calls).toHaveLength(1);
    expect(p.shown).toEqual(fin());
  });

  it('a 429 on an intermediate view waits Retry-After, then sends the newest view', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock, (n) => (n === 0 ? new RateLimitedError(5000) : undefined));
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(100);
    m.update(v(1));
    await clock.advance(4000);
    expect(p.calls).toHaveLength(1);
    await clock.advance(5000);
    expect(p.calls.map((c) => [c.at, c.view.seq, c.ok])).toEqual([
      [0, 0, false],
      [5000, 1, true],
    ]);
    expect(m.edits).toBe(1);
  });

  it('a 429 on an intermediate view with nothing newer sends that view again after the wait', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock, (n) => (n === 0 ? new RateLimitedError(3000) : undefined));
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(10_000);
    expect(p.calls.map((c) => [c.at, c.view.seq, c.ok])).toEqual([
      [0, 0, false],
      [3000, 0, true],
    ]);
    expect(p.shown).toEqual(v(0));
  });

  it('a 429 on the final view delays it by Retry-After, then it lands', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock, (n) => (n === 1 ? new RateLimitedError(7000) : undefined));
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(1000);
    const done = track(m.finish(fin()), clock);
    await clock.advance(6999);
    expect(done.resolvedAt).toBeUndefined();
    await clock.advance(1);
    expect(done.resolvedAt).toBe(8000);
    expect(p.calls.map((c) => [c.at, c.view.final ?? false, c.ok])).toEqual([
      [0, false, true],
      [1000, true, false],
      [8000, true, true],
    ]);
    expect(p.shown).toEqual(fin());
  });

  it('a 429 on message A does not delay message B', async () => {
    const clock = new ManualClock(T0);
    const budget = createTokenBucket({ perMinute: 600, burst: 10, clock });
    const a = platform(clock, (n) => (n === 0 ? new RateLimitedError(30_000) : undefined));
    const b = platform(clock);
    const ma = createLiveMessage(a.editor, opts(clock, budget, { name: 'A' }));
    const mb = createLiveMessage(b.editor, opts(clock, budget, { name: 'B' }));
    for (let i = 0; i < 10; i++) {
      ma.update(v(i, 'a'));
      mb.update(v(i, 'b'));
      await clock.advance(1000);
    }
    expect(b.calls.map((c) => [c.at, c.view.seq])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i * 1000, i]),
    );
    expect(a.calls).toHaveLength(1);
    const da = track(ma.finish(fin('a')), clock);
    const db = track(mb.finish(fin('b')), clock);
    await clock.advance(1000);
    expect(db.resolvedAt).toBe(10_000);
    expect(da.resolvedAt).toBeUndefined();
    await clock.advance(20_000);
    expect(da.resolvedAt).toBe(30_000);
    expect(a.shown).toEqual(fin('a'));
    expect(b.shown).toEqual(fin('b'));
  });

  it('retries a final view that keeps failing with backoff, then rejects after maxFinalAttempts', async () => {
    const clock = new ManualClock(T0);
    const boom = new Error('boom');
    const p = platform(clock, () => boom);
    const budget = bigBudget(clock);
    const m = createLiveMessage(p.editor, opts(clock, budget, { maxFinalAttempts: 4 }));
    const done = track(m.finish(fin()), clock);
    await clock.advance(60_000);
    expect(done.error).toBe(boom);
    expect(p.calls.map((c) => c.at)).toEqual([0, 1000, 3000, 7000]);
    expect(m.edits).toBe(0);
    m.update(v(1)); // still ignored after giving up
    await clock.advance(60_000);
    expect(p.calls).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('a final view that fails twice then succeeds resolves; 429s do not count as attempts', async () => {
    const clock = new ManualClock(T0);
    const plan = [new Error('e1'), new RateLimitedError(2000), new Error('e2'), new RateLimitedError(2000)];
    const p = platform(clock, (n) => plan[n]);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock), { maxFinalAttempts: 3 }));
    const done = track(m.finish(fin()), clock);
    await clock.advance(60_000);
    expect(done.error).toBeUndefined();
    expect(done.resolvedAt).toBe(p.calls.at(-1)?.at);
    expect(p.calls.map((c) => c.ok)).toEqual([false, false, false, false, true]);
    expect(p.shown).toEqual(fin());
    expect(m.edits).toBe(1);
  });

  it('errors on intermediate views are skipped and never reach the caller', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock, (n) => (n < 2 ? new Error(`edit ${n} failed`) : undefined));
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(1000);
    m.update(v(1));
    await clock.advance(1000);
    m.update(v(2));
    await clock.advance(1000);
    await expect(m.finish(fin()).then(() => 'delivered')).resolves.toBe('delivered');
    expect(p.calls.map((c) => [c.view.seq, c.ok])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [-1, true],
    ]);
    expect(m.edits).toBe(2);
  });

  it('an editor that throws synchronously is handled like a failed edit', async () => {
    const clock = new ManualClock(T0);
    let n = 0;
    const shown: View[] = [];
    const editor = (view: View): Promise<void> => {
      if (n++ === 0) throw new Error('sync');
      shown.push(view);
      return Promise.resolve();
    };
    const m = createLiveMessage(editor, opts(clock, bigBudget(clock)));
    m.update(v(0));
    await clock.advance(1000);
    await Promise.all([m.finish(fin()), clock.advance(2000)]);
    expect(shown).toEqual([fin()]);
  });

  it('never has two edits of one message in flight', async () => {
    const clock = new ManualClock(T0);
    const p = platform(clock, undefined, 2500);
    const m = createLiveMessage(p.editor, opts(clock, bigBudget(clock)));
    for (let i = 0; i < 50; i++) {
      m.update(v(i));
      await clock.advance(200);
    }
    const done = track(m.finish(fin()), clock);
    await clock.advance(20_000);
    expect(p.maxInFlight).toBe(1);
    expect(done.resolvedAt).toBeDefined();
    expect(p.calls.at(-1)?.view).toEqual(fin());
    expect(p.shown).toEqual(fin());
    // Each edit starts after the previous one ended (2500 ms latency).
    const starts = p.calls.map((c) => c.at);
    for (let i = 1; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(2500);
  });

  it('a final view overtakes intermediate views queued on a short shared budget', async () => {
    const clock = new ManualClock(T0);
    const budget = createTokenBucket({ perMinute: 6, burst: 1, clock });
    const log: string[] = [];
    const editorFor = (name: string) => async (view: View) => void log.push(`${name}:${view.final ? 'final' : view.seq}@${clock.now() - T0}`);
    const a = createLiveMessage(editorFor('a'), opts(clock, budget));
    const b = createLiveMessage(editorFor('b'), opts(clock, budget));
    const c = createLiveMessage(editorFor('c'), opts(clock, budget));
    a.update(v(0));
    b.update(v(0));
    c.update(v(0));
    await clock.advance(100);
    const done = c.finish(fin());
    await clock.advance(25_000);
    await done;
    expect(log).toEqual(['a:0@0', 'c:final@10000', 'b:0@20000']);
  });

  it('progress edits are dropped while the budget is short, so finals arriving together find the burst in hand (issue 8)', async () => {
    const clock = new ManualClock(T0);
    const perMinute = 10;
    const burst = 5;
    const budget = createTokenBucket({ perMinute, burst, clock });
    const fleet = Array.from({ length: 10 }, (_, i) => {
      const id = `m${i}`;
      const p = platform(clock);
      return { id, p, m: createLiveMessage(p.editor, opts(clock, budget, { name: id })) };
    });
    // A minute of progress from every message, far more than the budget pays for.
    for (let s = 0; s < 60; s++) {
      for (const { id, m } of fleet) m.update(v(s, id));
      await clock.advance(1000);
    }
    const offeredAt = clock.now() - T0;
    const finals = fleet.map(({ id, m }) => track(m.finish(fin(id)), clock));
    await clock.until(() => finals.every((f) => f.resolvedAt !== undefined), 600_000, 500);
    const last = Math.max(...finals.map((f) => (f.resolvedAt ?? Infinity) - offeredAt));
    // Stated bound: with no progress at all the 10 finals need (10 − burst) refills of 6 s; progress
    // edits may add at most ⌊burst/2⌋ + 1 more. Letting progress drain the bucket (the old
    // behaviour) needs 9-10 refills, 54-60 s.
    const msPerToken = 60_000 / perMinute;
    expect(last).toBeLessThanOrEqual((10 - burst) * msPerToken + (Math.floor(burst / 2) + 1) * msPerToken);
    for (const { id, p } of fleet) expect(p.shown).toEqual(fin(id));
  });


  it('an offered view is drawn only when an edit can go out: a minute of redraws on a short budget draws a few, each the newest', async () => {
    const clock = new ManualClock(T0);
    const budget = createTokenBucket({ perMinute: 10, burst: 2, clock });
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, budget));
    let state = 0;
    const drawn: number[] = [];
    const draw = () => {
      drawn.push(state);
      return v(state);
    };
    for (let s = 0; s < 60; s++) {
      state = s;
      m.offer(draw);
      await clock.advance(1000);
    }
    // 60 offers; the budget pays for the burst's spare token and then one edit every 6 s at most.
    expect(drawn.length).toBeLessThanOrEqual(12);
    expect(drawn.length).toBe(p.calls.length);
    // Each edit shows the state of the newest offer before it (offered a second earlier at most),
    // not the state of the first offer since the previous edit (up to 6 s older).
    for (const c of p.calls) expect(c.view.seq).toBeGreaterThanOrEqual(Math.floor(c.at / 1000) - 1);
    expect(p.shown?.seq).toBeGreaterThanOrEqual(54);
  });

  it('a spare token goes to the progress view that has waited longest, not to whichever looks first', async () => {
    const clock = new ManualClock(T0);
    const budget = createTokenBucket({ perMinute: 6, burst: 1, clock }); // a token every 10 s
    const log: string[] = [];
    const editorFor = (name: string) => async (view: View) => void log.push(`${name}:${view.seq}@${clock.now() - T0}`);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => createLiveMessage(editorFor(name), opts(clock, budget)));
    a?.update(v(0));
    await clock.advance(900);
    b?.update(v(0)); // waits from 0.9 s
    await clock.advance(300);
    c?.update(v(0)); // waits from 1.2 s
    await clock.advance(30_000);
    // The token due at 10 s is b's, the next c's. (Looking again every second, c looked at 10.2 s
    // and b at 10.9 s: c went first.)
    expect(log).toEqual(['a:0@0', 'b:0@10000', 'c:0@20000']);
  });

  it('while the budget is short, waiting progress views cost no wake-ups: 200 messages for a minute set about one timer per edit', async () => {
    const clock = new ManualClock(T0);
    let sleeps = 0;
    const sleep = clock.sleep.bind(clock);
    clock.sleep = (ms: number, signal?: AbortSignal) => {
      sleeps++;
      return sleep(ms, signal);
    };
    const budget = createTokenBucket({ perMinute: 60, burst: 10, clock });
    const fleet = Array.from({ length: 200 }, (_, i) => {
      const p = platform(clock);
      return { id: `m${i}`, p, m: createLiveMessage(p.editor, opts(clock, budget)) };
    });
    for (let s = 0; s < 60; s++) {
      for (const { id, m } of fleet) m.update(v(s, id));
      await clock.advance(1000);
    }
    const edits = fleet.reduce((n, { p }) => n + p.calls.length, 0);
    // The bucket pays for its burst and about one edit a second.
    expect(edits).toBeGreaterThan(50);
    expect(edits).toBeLessThanOrEqual(70);
    // A timer for the bucket's next token and one spacing each edited message's next edit, no more;
    // looking again every second would have been about 200 × 60 = 12,000.
    expect(sleeps).toBeLessThanOrEqual(2 * edits + 10);
    // Every message that waited got its turn in order: none edited twice before all had one.
    expect(fleet.filter(({ p }) => p.calls.length >= 1).length).toBe(edits);
  });

  it('an abandoned message sends nothing more: its waiting progress view is dropped, later offers and a finish too', async () => {
    const clock = new ManualClock(T0);
    const budget = createTokenBucket({ perMinute: 6, burst: 2, clock });
    const p = platform(clock);
    const m = createLiveMessage(p.editor, opts(clock, budget));
    // Another message's final holds the budget, so this one's progress waits for a spare token.
    const other = platform(clock);
    void createLiveMessage(other.editor, opts(clock, budget)).finish(fin('x'));
    budget.tryTake();
    m.update(v(1));
    await clock.advance(100);
    m.abandon();
    m.update(v(2));
    await expect(m.finish(fin())).rejects.toThrow(/abandon/);
    await clock.advance(120_000);
    expect(other.shown).toEqual(fin('x'));
    expect(p.calls).toEqual([]);
  });

  it('a draw that throws is logged and skipped; the next offer and the final still go out', async () => {
    const clock = new ManualClock(T0);
    const logs = captureLogs();
    const p = platform(clock);
    const m = createLiveMessage(p.editor, { ...opts(clock, bigBudget(clock)), logger: logs.logger });
    m.offer(() => {
      throw new Error('render bug');
    });
    await clock.advance(2000);
    expect(p.calls).toHaveLength(0);
    expect(logs.records().some((r) => r.msg === 'view could not be drawn; skipped' && JSON.stringify(r.err).includes('render bug'))).toBe(true);
    m.offer(() => v(1));
    await clock.advance(2000);
    const done = track(m.finish(fin()), clock);
    await clock.advance(2000);
    expect(done.resolvedAt).toBeDefined();
    expect(p.calls.map((c) => c.view)).toEqual([v(1), fin()]);
  });
  it('twelve messages on a budget of 6 edits/min: every final lands, no 60 s window exceeds 6 + burst 6', async () => {
    const clock = new ManualClock(T0);
    const perMinute = 6;
    const burst = 6;
    const budget = createTokenBucket({ perMinute, burst, clock });
    const fleet = Array.from({ length: 12 }, (_, i) => {
      const id = `m${i}`;
      const p = platform(clock);
      return { id, p, m: createLiveMessage(p.editor, opts(clock, budget, { name: id })) };
    });
    for (let s = 0; s < 20; s++) {
      for (const { id, m } of fleet) m.update(v(s, id));
      await clock.advance(1000);
    }
    const finals = fleet.map(({ id, m }) => track(m.finish(fin(id)), clock));
    await clock.until(() => finals.every((f) => f.resolvedAt !== undefined || f.error !== undefined), 600_000, 1000);

    expect(finals.every((f) => f.error === undefined)).toBe(true);
    for (const { id, p } of fleet) {
      expect(p.calls.at(-1)?.view).toEqual(fin(id));
      expect(p.shown).toEqual(fin(id));
    }
    const times = fleet.flatMap(({ p }) => p.calls.map((c) => c.at)).sort((x, y) => x - y);
    // Guarantee: any closed 60 s window holds at most perMinute + burst edits ...
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(perMinute + burst);
    // ... and, tighter, the k-th edit since the start never comes before the bucket could pay for it.
    times.forEach((t, k) => expect(t).toBeGreaterThanOrEqual(Math.max(0, k - burst + 1) * 10_000));
    // Finals go first once offered at t=20 s: twelve of them need twelve refills of 10 s each.
    expect(Math.max(...finals.map((f) => f.resolvedAt ?? Infinity))).toBeLessThanOrEqual(20_000 + 12 * 10_000);
    expect(budget.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('random 429s (seeded): every final still lands and the budget holds', async () => {
    const clock = new ManualClock(T0);
    const rand = seededRandom(0xc0ffee);
    const perMinute = 60;
    const burst = 10;
    const budget = createTokenBucket({ perMinute, burst, clock });
    let limited = 0;
    let limitedFinals = 0;
    const plan = (_n: number, view: View) => {
      if (rand() < 0.4) {
        limited++;
        if (view.final) limitedFinals++;
        return new RateLimitedError(1000 + Math.floor(rand() * 20_000));
      }
      return undefined;
    };
    const fleet = Array.from({ length: 12 }, (_, i) => {
      const id = `r${i}`;
      const p = platform(clock, plan);
      return { id, p, m: createLiveMessage(p.editor, opts(clock, budget, { name: id })) };
    });
    for (let s = 0; s < 60; s++) {
      for (const { id, m } of fleet) if (rand() < 0.7) m.update(v(s, id));
      await clock.advance(1000);
    }
    const finals = fleet.map(({ id, m }) => track(m.finish(fin(id)), clock));
    await clock.until(() => finals.every((f) => f.resolvedAt !== undefined || f.error !== undefined), 3_600_000, 1000);

    // The scenario really exercised 429s, on finals too.
    expect(limited).toBeGreaterThan(20);
    expect(limitedFinals).toBeGreaterThan(2);
    expect(finals.every((f) => f.error === undefined)).toBe(true);
    for (const { id, p } of fleet) {
      expect(p.shown).toEqual(fin(id));
      expect(p.delivered().at(-1)?.view).toEqual(fin(id));
      expect(p.calls.at(-1)?.ok).toBe(true);
    }
    const times = fleet.flatMap(({ p }) => p.calls.map((c) => c.at));
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(perMinute + burst);
    await settle();
    expect(clock.pending).toBe(0);
  });
});
