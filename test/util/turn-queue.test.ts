import { afterEach, describe, expect, it } from 'vitest';
import { createTurnQueue } from '../../src/util/turn-queue.js';
import { turnCounter } from '../support/turns.js';

const counters: { stop(): void }[] = [];
afterEach(() => {
  while (counters.length) counters.pop()?.stop();
});

/** Resolves once `check` holds, looking once per turn (bounded: at most 10,000 turns). */
async function turnsUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}

describe('the turn queue', () => {
  it('with no slice, starts units pushed in one turn one per turn, in the order they came', async () => {
    const counter = turnCounter();
    counters.push(counter);
    await new Promise((r) => setImmediate(r));
    const queue = createTurnQueue({ sliceMs: 0 });
    const ran: { unit: number; turn: number }[] = [];
    for (let unit = 1; unit <= 5; unit++) queue.push(() => ran.push({ unit, turn: counter.turn }));

    expect(ran).toEqual([]);
    expect(queue.waiting).toBe(5);
    await turnsUntil(() => ran.length === 5);

    expect(ran.map((r) => r.unit)).toEqual([1, 2, 3, 4, 5]);
    const turns = ran.map((r) => r.turn);
    for (let i = 1; i < turns.length; i++) expect(turns[i]).toBeGreaterThan(turns[i - 1] as number);
    expect(queue.waiting).toBe(0);
  });

  // Each unit takes 2 ms: a turn starts units at 0, 2 and 4 ms, and the one that ends at 6 is its
  // last. An async handler does its work after an await: the slice counts that too.
  it.each([
    { work: 'at once', afterAwait: false },
    { work: 'after an await', afterAwait: true },
  ])('starts units in a turn until its slice has gone by, their work done $work counted', async ({ afterAwait }) => {
    const counter = turnCounter();
    counters.push(counter);
    await new Promise((r) => setImmediate(r));
    let clock = 0;
    const queue = createTurnQueue({ sliceMs: 5, now: () => clock });
    const ran: { unit: number; turn: number }[] = [];
    const work = () => {
      clock += 2;
    };
    for (let unit = 1; unit <= 7; unit++)
      queue.push(() => {
        ran.push({ unit, turn: counter.turn });
        if (afterAwait) void Promise.resolve().then(work);
        else work();
      });
    await turnsUntil(() => ran.length === 7);

    const byTurn = new Map<number, number[]>();
    for (const r of ran) byTurn.set(r.turn, [...(byTurn.get(r.turn) ?? []), r.unit]);
    expect([...byTurn.values()]).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  // Each unit takes 2 ms: pushed in one turn with 5 ms inline, those pushed at 0, 2 and 4 ms start
  // where they are pushed; the rest wait for later turns, in order, and so does a unit pushed in
  // the same turn after them. The next turn has its own inline time, once none wait.
  it('starts units where they are pushed for inlineMs of their turn, then queues the rest in order', async () => {
    const counter = turnCounter();
    counters.push(counter);
    await new Promise((r) => setImmediate(r));
    let clock = 0;
    const queue = createTurnQueue({ sliceMs: 0, inlineMs: 5, now: () => clock });
    const ran: { unit: number; turn: number; inline: boolean }[] = [];
    let pushing = false;
    const push = (unit: number) => {
      pushing = true;
      queue.push(() => {
        ran.push({ unit, turn: counter.turn, inline: pushing });
        clock += 2;
      });
      pushing = false;
    };
    const turn0 = counter.turn;
    for (let unit = 1; unit <= 5; unit++) push(unit);

    expect(ran).toEqual([1, 2, 3].map((unit) => ({ unit, turn: turn0, inline: true })));
    expect(queue.waiting).toBe(2);
    await turnsUntil(() => ran.length === 5);
    expect(ran.slice(3).map((r) => ({ unit: r.unit, inline: r.inline }))).toEqual([
      { unit: 4, inline: false },
      { unit: 5, inline: false },
    ]);
    expect(ran[3]?.turn).toBeGreaterThan(turn0);

    await new Promise((r) => setImmediate(r));
    push(6);
    expect(ran[5]).toMatchObject({ unit: 6, inline: true });
  });

  it('starts a unit at once past its bound, and the queued ones still in order', async () => {
    const queue = createTurnQueue({ maxQueued: 2 });
    const ran: number[] = [];
    queue.push(() => ran.push(1));
    queue.push(() => ran.push(2));
    queue.push(() => ran.push(3));

    expect(ran).toEqual([3]);
    await turnsUntil(() => ran.length === 3);
    expect(ran).toEqual([3, 1, 2]);
  });

  it('keeps its order across many units, compacting as it goes', async () => {
    const queue = createTurnQueue({ sliceMs: 0 });
    const ran: number[] = [];
    for (let i = 0; i < 3000; i++) queue.push(() => ran.push(i));
    await turnsUntil(() => ran.length === 3000);
    expect(ran).toEqual([...Array(3000).keys()]);
    queue.push(() => ran.push(3000));
    await turnsUntil(() => ran.length === 3001);
  });
});
