import { describe, expect, it } from 'vitest';
import { DAY_MS, startRetention } from '../../src/app/retention.js';
import { silentLogger } from '../../src/util/logger.js';
import { runWhileLeading } from '../../src/util/leadership.js';
import { ManualClock } from '../support/manual-clock.js';
import { testDatabase } from '../support/store.js';

const T = 1_000_000_000_000;
const S = { ttlMs: 15_000, renewMs: 5_000 };

describe('retention (app/retention)', () => {
  it('deletes what is older than the retention at once, then every day, and stops when told', async () => {
    const clock = new ManualClock(T);
    const cutoffs: number[] = [];
    const r = startRetention({ store: { prune: async (before) => (cutoffs.push(before), 0) }, retentionDays: 90, clock, logger: silentLogger });
    await clock.advance(1);
    expect(cutoffs).toEqual([T - 90 * DAY_MS]);
    await clock.advance(DAY_MS - 2);
    expect(cutoffs).toHaveLength(1);
    await clock.advance(1);
    expect(cutoffs).toEqual([T - 90 * DAY_MS, T + DAY_MS - 90 * DAY_MS]);
    await r.stop();
    await clock.advance(3 * DAY_MS);
    expect(cutoffs).toHaveLength(2);
  });

  it('a failed delete is tried again the next day, not given up', async () => {
    const clock = new ManualClock(T);
    let calls = 0;
    const r = startRetention({
      store: {
        prune: async () => {
          calls++;
          throw new Error('disk I/O error');
        },
      },
      retentionDays: 1,
      clock,
      logger: silentLogger,
    });
    await clock.advance(DAY_MS + 1);
    expect(calls).toBe(2);
    await r.stop();
  });

  it('as leader work of the noc lease, two replicas on one store delete once a day between them; the standby takes it over with the lease', async () => {
    const clock = new ManualClock(T);
    const db = testDatabase(':memory:', { clock });
    const runs: string[] = [];
    const replica = (id: string) =>
      runWhileLeading({
        store: db.leases,
        lease: 'noc',
        runs: 'retention',
        holder: { id, pid: 1, host: `${id}.elsewhere` },
        isStale: () => false,
        settings: S,
        clock,
        logger: silentLogger,
        start: async () => startRetention({ store: { prune: async () => (runs.push(id), 0) }, retentionDays: 90, clock, logger: silentLogger }),
      });
    const a = replica('a');
    await clock.advance(10);
    const b = replica('b');
    await clock.advance(2 * DAY_MS);
    expect(runs).toEqual(['a', 'a', 'a']);
    await a.stop();
    await clock.advance(S.renewMs + 10);
    expect(runs).toEqual(['a', 'a', 'a', 'b']);
    await b.stop();
    await db.close();
  });
});
