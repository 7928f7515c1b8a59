import { describe, expect, it } from 'vitest';
import { createFinalBacklog } from '../../src/chat/final-backlog.js';
import type { StoredCheck } from '../../src/store/ports.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';

const row = (id: string) => ({ id }) as StoredCheck;

/** A backlog over a store given by hand: `stored` are the checks waiting there, oldest first. */
function setup(inMemory: number) {
  const clock = new ManualClock();
  const stored: string[] = [];
  const loads: number[] = [];
  const delivering = new Map<string, () => void>();
  let load: (limit: number) => Promise<StoredCheck[]> = async (limit) => stored.slice(0, limit).map(row);
  const backlog = createFinalBacklog({
    inMemory,
    load: (limit) => {
      loads.push(limit);
      return load(limit);
    },
    deliver: (r) =>
      new Promise<void>((resolve) =>
        delivering.set(r.id, () => {
          stored.splice(stored.indexOf(r.id), 1);
          delivering.delete(r.id);
          resolve();
        }),
      ),
    clock,
    logger: silentLogger,
  });
  return { clock, stored, loads, delivering, backlog, setLoad: (f: typeof load) => (load = f) };
}

describe('the final backlog', () => {
  it('holds places up to its bound; once one check waits in the store, later ones wait behind it even with room', async () => {
    const t = setup(2);
    expect([t.backlog.enter('a'), t.backlog.enter('b'), t.backlog.enter('c')]).toEqual([true, true, false]);
    t.stored.push('c');
    t.backlog.leave('a');
    await settle();
    // 'c' was taken back for the place 'a' left; 'd' must not overtake it.
    expect([...t.delivering.keys()]).toEqual(['c']);
    expect(t.backlog.enter('d')).toBe(false);
    expect(t.backlog.held).toBe(2);
  });

  it('asks the store for enough to skip its own checks in flight, and takes them back oldest first', async () => {
    const t = setup(3);
    t.backlog.enter('a');
    t.backlog.enter('b');
    t.backlog.enter('c');
    for (const id of ['d', 'e', 'f', 'g']) {
      expect(t.backlog.enter(id)).toBe(false);
      t.stored.push(id);
    }
    t.stored.unshift('b', 'c'); // in flight, not yet delivered: the store still lists them
    t.backlog.leave('a');
    await settle();
    expect(t.loads).toEqual([3]);
    expect([...t.delivering.keys()]).toEqual(['d']);
    t.delivering.get('d')?.();
    await settle();
    expect([...t.delivering.keys()]).toEqual(['e']);
  });

  it('takes places back a quarter of the bound at a time, not one read of the whole window per final', async () => {
    const t = setup(8);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) t.backlog.enter(id);
    for (const id of ['i', 'j', 'k']) {
      expect(t.backlog.enter(id)).toBe(false);
      t.stored.push(id);
    }
    t.backlog.leave('a');
    await settle();
    expect(t.loads).toEqual([]);
    t.backlog.leave('b');
    await settle();
    expect(t.loads).toEqual([8]);
    expect([...t.delivering.keys()]).toEqual(['i', 'j']);
  });

  it('never takes back a check whose delivery ended while the store was being read', async () => {
    const t = setup(2);
    t.backlog.enter('a');
    t.backlog.enter('b');
    expect(t.backlog.enter('c')).toBe(false);
    let answer: (rows: StoredCheck[]) => void = () => {};
    t.setLoad(() => new Promise((r) => (answer = r)));
    t.backlog.leave('b'); // a read starts; 'a' is still in flight, so the store lists it
    await settle();
    t.backlog.leave('a'); // 'a' is delivered meanwhile: the read's answer is already old
    answer([row('a'), row('c')]);
    await settle();
    expect([...t.delivering.keys()]).toEqual(['c']);
  });

  it('reads again 5 s later when the store cannot be read, and takes nothing more back once stopped', async () => {
    const t = setup(1);
    t.backlog.enter('a');
    t.backlog.enter('b');
    t.stored.push('b');
    t.setLoad(async () => {
      throw new Error('server away');
    });
    t.backlog.leave('a');
    await t.clock.advance(4999);
    expect(t.loads).toHaveLength(1);
    t.setLoad(async (limit) => t.stored.slice(0, limit).map(row));
    await t.clock.advance(1);
    expect(t.loads).toHaveLength(2);
    expect([...t.delivering.keys()]).toEqual(['b']);

    t.backlog.stop();
    t.stored.push('c');
    t.backlog.pickUp();
    t.delivering.get('b')?.();
    await t.clock.advance(10_000);
    expect(t.loads).toHaveLength(2);
  });
});
