import { describe, expect, it } from 'vitest';
import { liveReplicaCount, ownerGone, startHeartbeat } from '../../src/chat/owners.js';
import type { CheckStore, ReplicaBeat } from '../../src/store/ports.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { beats, BEATS_AT, ownership } from '../support/owners.js';

const T = BEATS_AT;
const o = ownership;

describe('a check may be adopted only when its owner is gone (pure)', () => {
  it.each([
    ['a check of no owner (before owners, the CLI)', null, true],
    ['a check of this replica', 'me', false],
    ['a check of a replica that beat 4 s ago', 'alive', false],
    ['a check of a replica silent for the whole TTL', 'silent', true],
    ['a check of a process on this host that died a second ago', 'crashed', true],
    ['a check of a replica with no heartbeat row', 'unknown', true],
  ] as const)('%s: %s', (_why, owner, gone) => {
    expect(ownerGone(owner, o, beats, T)).toBe(gone);
  });
});

describe('replicas alive by their heartbeats (pure): the request budget\'s share while the store is away', () => {
  it.each([
    ['no rows yet (this replica counts itself)', [], 1],
    ['this replica\'s own row only', [{ id: 'me', pid: 1, host: 'here', beatAt: T }], 1],
    ['one live, one silent, one crashed beside this one', beats, 2],
    ['three live beside this one', [...beats, { id: 'b', pid: 4, host: 'there', beatAt: T - 1 }, { id: 'c', pid: 5, host: 'x', beatAt: T - 14_999 }], 4],
  ] as const)('%s: %i', (_why, rows, alive) => {
    expect(liveReplicaCount(rows, o, T)).toBe(alive);
  });
});

describe('the heartbeat', () => {
  it('writes a beat each period and says how many replicas are alive after each; a failed read keeps the last count', async () => {
    const clock = new ManualClock(T);
    const rows: ReplicaBeat[] = [{ id: 'other', pid: 9, host: 'there', beatAt: T }];
    let failRead = false;
    const store: Pick<CheckStore, 'heartbeat' | 'replicas' | 'farewell'> = {
      heartbeat: async (r, now) => {
        const i = rows.findIndex((x) => x.id === r.id);
        if (i >= 0) rows.splice(i, 1);
        rows.push({ ...r, beatAt: now });
      },
      replicas: async () => {
        if (failRead) throw new Error('store away');
        return rows.map((r) => ({ ...r }));
      },
      farewell: async (id) => void rows.splice(rows.findIndex((r) => r.id === id), 1),
    };
    const heard: number[] = [];
    const hb = await startHeartbeat({ store, ownership: { ...o, everyMs: 5_000 }, clock, logger: silentLogger, onReplicas: (n) => heard.push(n) });
    expect(heard).toEqual([2]);
    // The other replica stops beating: 15 s later it no longer counts.
    await clock.advance(15_000);
    expect(heard.at(-1)).toBe(1);
    failRead = true;
    const before = heard.length;
    await clock.advance(5_000);
    expect(heard).toHaveLength(before);
    await hb.stop();
    // A plain stop leaves the row: the others count this replica gone once the TTL has passed.
    expect(rows.map((r) => r.id)).toEqual(['other', o.me.id]);
  });

  it('a stop with farewell removes this replica\'s row: the others count it gone at once, not after the TTL', async () => {
    const clock = new ManualClock(T);
    const rows: ReplicaBeat[] = [];
    const store: Pick<CheckStore, 'heartbeat' | 'replicas' | 'farewell'> = {
      heartbeat: async (r, now) => void rows.push({ ...r, beatAt: now }),
      replicas: async () => rows,
      farewell: async (id) => void rows.splice(rows.findIndex((r) => r.id === id), 1),
    };
    const hb = await startHeartbeat({ store, ownership: { ...o, everyMs: 5_000 }, clock, logger: silentLogger });
    const other = { ...o, me: { id: 'other', pid: 9, host: 'there' } };
    expect(ownerGone(o.me.id, other, rows, clock.now())).toBe(false);
    await hb.stop({ farewell: true });
    expect(ownerGone(o.me.id, other, rows, clock.now())).toBe(true);
  });
});
