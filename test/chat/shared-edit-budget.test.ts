import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLiveMessage, progressReserve } from '../../src/chat/live-message.js';
import type { EditBudget } from '../../src/chat/live-message.types.js';
import { createSharedEditBudget, editBudgetShape } from '../../src/chat/shared-edit-budget.js';
import type { RequestBudgetPort } from '../../src/core/request-budget.js';
import { silentLogger, type Logger } from '../../src/util/logger.js';
import { captureLogs } from '../support/log-capture.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { memoryBudgetPort } from '../support/memory-budget-port.js';
import { maxInWindow } from '../support/windows.js';

const T0 = 1_700_000_000_000;
const NAME = 'slack-edits:test';

/**
 * One replica's edit budget on the shared port. No random part in its waits for a token
 * (core/shared-budget's jitter, tested there): these tests follow each token to the millisecond.
 */
function replica(port: RequestBudgetPort, clock: ManualClock, perMinute = 45, logger: Logger = silentLogger, liveReplicas?: () => number | null) {
  return createSharedEditBudget({ port, name: NAME, perMinute, setting: 'SLACK_EDITS_PER_MIN', clock, logger, random: () => 0, ...(liveReplicas ? { liveReplicas } : {}) });
}

/** Records when each take is granted, as `label@ms since T0`. */
function recorder(clock: ManualClock) {
  const granted: string[] = [];
  const rejected: string[] = [];
  const at = () => clock.now() - T0;
  return {
    granted,
    rejected,
    final(budget: EditBudget, label: string, signal?: AbortSignal, priority: 'high' | 'low' = 'high') {
      void budget.take(priority, signal).then(
        () => void granted.push(`${label}@${at()}`),
        () => void rejected.push(label),
      );
    },
    progress(budget: EditBudget, label: string, signal?: AbortSignal) {
      void budget.takeSpare(progressReserve(budget.capacity), signal).then(
        () => void granted.push(`${label}@${at()}`),
        () => void rejected.push(label),
      );
    },
  };
}

/** Keeps `n` finals waiting on `budget` at all times, recording when each was granted. */
function flood(budget: EditBudget, clock: ManualClock, n: number, sent: number[], stop: AbortSignal) {
  setMaxListeners(0, stop);
  const one = (): void => {
    if (stop.aborted) return;
    budget.take('high', stop).then(
      () => {
        sent.push(clock.now());
        one();
      },
      () => {},
    );
  };
  for (let i = 0; i < n; i++) one();
}

/** A replica on a bucket of 60 a minute (a token a second, a burst of 10) that another replica has just emptied. */
async function emptiedByAnother() {
  const clock = new ManualClock(T0);
  const port = memoryBudgetPort();
  const budget = replica(port, clock, 60);
  const other = replica(port, clock, 60);
  for (let i = 0; i < 10; i++) await other.take('high');
  return { clock, budget, r: recorder(clock) };
}

describe('editBudgetShape', () => {
  it.each([
    [45, { capacity: 10, refillPerMin: 45, reserve: 0 }],
    [6, { capacity: 6, refillPerMin: 6, reserve: 0 }],
    [1000, { capacity: 10, refillPerMin: 1000, reserve: 0 }],
    [0.5, { capacity: 1, refillPerMin: 1, reserve: 0 }],
  ])('%s a minute -> %j (the in-process bucket it replaces)', (perMinute, shape) => {
    expect(editBudgetShape(perMinute)).toEqual(shape);
  });
});

describe('the edit budget every replica shares (virtual time)', () => {
  it('three replicas editing as hard as they can: together the workspace\'s 45 a minute plus one burst, not three times it', async () => {
    const clock = new ManualClock(T0);
    const port = memoryBudgetPort();
    const sent: number[] = [];
    const stop = new AbortController();
    for (let r = 0; r < 3; r++) flood(replica(port, clock), clock, 30, sent, stop.signal);
    await clock.advance(5 * 60_000);
    stop.abort('done');
    await settle();
    // A burst of 10, then 45 a minute: 235 in five minutes (three in-process buckets: 705).
    expect(sent.length).toBeGreaterThanOrEqual(234);
    expect(sent.length).toBeLessThanOrEqual(235);
    expect(maxInWindow(sent, 60_000)).toBeLessThanOrEqual(45 + 10);
    expect(clock.pending).toBe(0);
  });

  it('finals on one replica are served first come first served, every high before any low', async () => {
    const { clock, budget, r } = await emptiedByAnother();
    r.final(budget, 'low1', undefined, 'low');
    r.final(budget, 'a');
    r.final(budget, 'low2', undefined, 'low');
    r.final(budget, 'b');
    await clock.advance(5000);
    expect(r.granted).toEqual(['a@1000', 'b@2000', 'low1@3000', 'low2@4000']);
  });

  it("progress views on one replica leave the reserve: another replica's finals find it, and get every token while they wait", async () => {
    const clock = new ManualClock(T0);
    const port = memoryBudgetPort();
    const a = replica(port, clock, 60); // a token a second, a burst of 10
    const b = replica(port, clock, 60);
    const r = recorder(clock);
    for (let i = 0; i < 20; i++) r.progress(a, `p${i}`);
    await settle();
    // Spare tokens only while 5 are free: 6 of the 10.
    expect(r.granted).toEqual(['p0@0', 'p1@0', 'p2@0', 'p3@0', 'p4@0', 'p5@0']);
    for (let i = 0; i < 10; i++) r.final(b, `f${i}`);
    await clock.advance(12_000);
    const finals = r.granted.filter((g) => g.startsWith('f'));
    // The reserve at once, then each token as it comes: no progress view takes one meanwhile.
    expect(finals).toEqual(['f0@0', 'f1@0', 'f2@0', 'f3@0', 'f4@1000', 'f5@2000', 'f6@3000', 'f7@4000', 'f8@5000', 'f9@6000']);
    // Then the bucket refills to the reserve before the next progress view: 5 s after the last final.
    expect(r.granted.filter((g) => g.startsWith('p')).slice(6)).toEqual(['p6@11000', 'p7@12000']);
  });

  it('a final arriving behind a progress view waiting here for its reserve gets the next token', async () => {
    const { clock, budget, r } = await emptiedByAnother();
    r.progress(budget, 'progress'); // needs 5 free: 5 s away
    await clock.advance(100);
    r.final(budget, 'final');
    await clock.advance(7000);
    expect(r.granted).toEqual(['final@1000', 'progress@6000']);
    expect(clock.pending).toBe(0);
  });

  it('a refunded token serves the next taker here without a draw from the store', async () => {
    const clock = new ManualClock(T0);
    const port = memoryBudgetPort();
    const budget = replica(port, clock);
    await budget.takeSpare(5);
    const draws = port.draws;
    budget.refund();
    await budget.take('high');
    expect(port.draws).toBe(draws);
    await budget.take('high');
    expect(port.draws).toBe(draws + 1);
  });

  it('a taker that leaves consumes nothing; once nobody waits, nothing sleeps', async () => {
    const { clock, budget, r } = await emptiedByAnother();
    const gone = new AbortController();
    const spareGone = new AbortController();
    r.final(budget, 'gone', gone.signal);
    r.final(budget, 'stays');
    await clock.advance(500);
    gone.abort();
    await clock.advance(1000);
    expect(r.granted).toEqual(['stays@1000']);
    expect(r.rejected).toEqual(['gone']);
    r.progress(budget, 'progress', spareGone.signal);
    await clock.advance(100);
    spareGone.abort();
    await settle();
    expect(r.rejected).toEqual(['gone', 'progress']);
    expect(clock.pending).toBe(0);
  });

  it('live messages on two replicas, Slack\'s defaults: every final lands on its message, and no 60 s window of edits exceeds 45 + 10', async () => {
    const clock = new ManualClock(T0);
    const port = memoryBudgetPort();
    const edits: number[] = [];
    const shown = new Map<string, string>();
    const fleet = [replica(port, clock), replica(port, clock)].flatMap((budget, r) =>
      Array.from({ length: 40 }, (_, i) => {
        const id = `r${r}m${i}`;
        const editor = async (view: string) => {
          edits.push(clock.now());
          shown.set(id, view);
        };
        return { id, m: createLiveMessage<string>(editor, { budget, clock, logger: silentLogger, minIntervalMs: 1500, name: id }) };
      }),
    );
    for (let s = 0; s < 30; s++) {
      for (const { id, m } of fleet) m.update(`${id} running ${s}`);
      await clock.advance(1500);
    }
    let done = 0;
    for (const { id, m } of fleet) void m.finish(`${id} verdict`).then(() => done++);
    await clock.until(() => done === fleet.length, 600_000, 1000);
    for (const { id } of fleet) expect(shown.get(id)).toBe(`${id} verdict`);
    expect(maxInWindow(edits, 60_000)).toBeLessThanOrEqual(55);
    expect(clock.pending).toBe(0);
  });

  it('the store away: this replica edits on its local share, says so once at error level; shared again as soon as it answers', async () => {
    const clock = new ManualClock(T0);
    const port = memoryBudgetPort();
    const logs = captureLogs();
    const budget = replica(port, clock, 60, logs.logger, () => 2);
    port.down = true;
    const sent: number[] = [];
    const stop = new AbortController();
    flood(budget, clock, 5, sent, stop.signal);
    await clock.advance(60_000);
    // Two replicas alive when the store last answered: a quarter of 60 a minute, one at a time.
    expect(sent.length).toBeGreaterThanOrEqual(14);
    expect(sent.length).toBeLessThanOrEqual(16);
    const said = logs.records().filter((l) => String(l.msg).startsWith('EDIT BUDGET LOCAL'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 50, component: 'edit-budget', perMinute: 15 });
    expect(String(said[0]?.msg)).toContain('SLACK_EDITS_PER_MIN');
    port.down = false;
    const before = sent.length;
    await clock.advance(10_000);
    expect(logs.records().some((l) => l.msg === 'edit budget shared again: the store answers')).toBe(true);
    // The store's bucket, full after the outage: the burst, then a token a second.
    expect(sent.length - before).toBeGreaterThanOrEqual(15);
    stop.abort('done');
    await settle();
  });
});
