import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createLeadership, fenceMarginMs, goneOnThisHost, leads, nextStep, type LeasePort, type LeaseSettings, type Role } from '../../src/util/leadership.js';
import type { LeaseHolder, LeaseName } from '../../src/store/ports.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { testDatabase } from '../support/store.js';
import { pidSpace, thisProcess } from '../../src/util/replica.js';

const S: LeaseSettings = { ttlMs: 15_000, renewMs: 5_000 };
const A: LeaseHolder = { id: 'a', pid: 1, host: 'replica-a.elsewhere' };
const B: LeaseHolder = { id: 'b', pid: 2, host: 'replica-b.elsewhere' };
const T = 1_000_000;

describe('leadership rules (pure)', () => {
  it.each([
    // [held until before, outcome, now, held until after, next claim at]
    ['won: held for the TTL from when the claim was sent', null, { kind: 'won', sentAt: T }, T + 40, T + 15_000, T + 5_000],
    ['refused: standby, tries again after a renewal period', T + 15_000, { kind: 'refused', holder: B }, T, null, T + 5_000],
    ['failed while leading: kept until the fence, retried in a second', T + 15_000, { kind: 'failed' }, T + 5_000, T + 15_000, T + 6_000],
    ['failed past the fence: no lease, tries again later', T + 15_000, { kind: 'failed' }, T + 12_000, null, T + 17_000],
    ['failed as a standby: tries again after a renewal period', null, { kind: 'failed' }, T, null, T + 5_000],
  ] as const)('%s', (_why, before, outcome, now, heldUntil, claimAt) => {
    expect(nextStep(S, before, outcome, now)).toEqual({ heldUntil, claimAt });
  });

  it('the fence stops leading before the lease runs out, whatever the settings', () => {
    expect(fenceMarginMs(S)).toBe(3_000);
    expect(fenceMarginMs({ ttlMs: 2_000, renewMs: 500 })).toBe(500);
    expect(leads(S, T + 15_000, T + 11_999)).toBe(true);
    expect(leads(S, T + 15_000, T + 12_000)).toBe(false);
    expect(leads(S, null, T)).toBe(false);
  });

  it('a holder on another host is never judged dead by its pid; one on this host whose pid is gone is', () => {
    const here = thisProcess().host;
    expect(goneOnThisHost({ pid: 1, host: 'surely-not-this-host' })).toBe(false);
    expect(goneOnThisHost({ pid: 2 ** 22 + 12345, host: here })).toBe(true);
    expect(goneOnThisHost({ pid: process.ppid, host: here })).toBe(false);
  });

  it('judges by pid only in the same pid space: another container with the same host name (both pid 1) is never judged', () => {
    // Where this runs on Linux, the same host name with another boot or pid namespace is elsewhere.
    if (thisProcess().host !== hostname()) {
      expect(goneOnThisHost({ pid: 2 ** 22 + 12345, host: hostname() })).toBe(false);
      expect(goneOnThisHost({ pid: process.pid, host: `${hostname()}/00000000/4026531836` })).toBe(false);
    }
  });

  it.each([
    ['Linux: host name, boot, pid namespace', { '/proc/sys/kernel/random/boot_id': 'afa1c3d4-7bde-4640-986f-0c95db15c7f3\n', '/proc/self/ns/pid': 'pid:[4026532201]' }, 'web-1/afa1c3d4/4026532201'],
    ['no /proc (macOS): the host name', {}, 'web-1'],
    ['a boot id but no namespace link: the host name', { '/proc/sys/kernel/random/boot_id': 'afa1c3d4\n' }, 'web-1'],
  ])('pidSpace: %s', (_what, files: Record<string, string>, want) => {
    expect(pidSpace('web-1', (path) => files[path] ?? null)).toBe(want);
  });
});

/** Two replicas on one SQLite store, each with its own view of the store (a cut makes every call fail). */
function replicas(clock: ManualClock) {
  const db = testDatabase(':memory:', { clock });
  const log: string[] = [];
  const make = (holder: LeaseHolder) => {
    const state = { cut: false, failNext: 0, working: false, starts: 0, stops: 0, roles: [] as Role[] };
    const store: LeasePort<LeaseName> = {
      async claim(...args) {
        if (state.cut || (state.failNext > 0 && state.failNext-- > 0)) throw new Error('disk I/O error');
        return db.leases.claim(...args);
      },
      async release(name, h) {
        if (state.cut) throw new Error('connection lost');
        return db.leases.release(name, h);
      },
    };
    const leadership = createLeadership({
      store,
      lease: 'noc',
      runs: 'the test work',
      holder,
      isStale: () => false,
      settings: S,
      clock,
      logger: silentLogger,
      onRole: (r) => state.roles.push(r),
      work: {
        async start() {
          state.working = true;
          state.starts++;
          log.push(`${holder.id} starts`);
        },
        async stop() {
          state.working = false;
          state.stops++;
          log.push(`${holder.id} stops`);
        },
      },
    });
    return { leadership, state };
  };
  return { db, make, log };
}

describe('leadership on one store', () => {
  it('a standby refused at start keeps trying and takes over once the holder on another host stops renewing (within the TTL plus one renewal)', async () => {
    const clock = new ManualClock(T);
    const { db, make } = replicas(clock);
    // A lease left by a process on another host (a container with a new hostname after a crash).
    await db.leases.claim('noc', { id: 'gone', pid: 99, host: 'old-container' }, T, S.ttlMs, () => false);
    const b = make(B);
    await clock.advance(10);
    expect(b.leadership.role()).toBe('standby');
    expect(b.leadership.holder()).toMatchObject({ id: 'gone', host: 'old-container' });
    await clock.advance(S.ttlMs - 100);
    expect(b.state.working).toBe(false);
    await clock.advance(S.renewMs + 100);
    expect(b.leadership.role()).toBe('leader');
    expect(b.state.working).toBe(true);
    await b.leadership.stop();
    expect(b.state.working).toBe(false);
    db.close();
  });

  it('one leader at a time: the other stays standby while the leader renews, for as long as it runs', async () => {
    const clock = new ManualClock(T);
    const { db, make } = replicas(clock);
    const a = make(A);
    await clock.advance(10);
    const b = make(B);
    for (let i = 0; i < 30; i++) {
      await clock.advance(1_000);
      expect([a.leadership.role(), b.leadership.role()]).toEqual(['leader', 'standby']);
    }
    expect(b.state.starts).toBe(0);
    // A graceful stop releases the lease: the standby takes over at its next try.
    await a.leadership.stop();
    await clock.advance(S.renewMs + 10);
    expect(b.leadership.role()).toBe('leader');
    await b.leadership.stop();
    db.close();
  });

  it('an I/O error while renewing is retried, not read as a loss: the leader keeps leading', async () => {
    const clock = new ManualClock(T);
    const { db, make } = replicas(clock);
    const a = make(A);
    await clock.advance(10);
    const b = make(B);
    a.state.failNext = 3; // three renewals in a row fail (a full disk for a moment)
    await clock.advance(20_000);
    expect(a.leadership.role()).toBe('leader');
    expect([a.state.starts, a.state.stops]).toEqual([1, 0]);
    expect(b.state.starts).toBe(0);
    await a.leadership.stop();
    await b.leadership.stop();
    db.close();
  });

  it('a leader cut off from the store stops leading before the standby can take over, and the standby takes over within 30 s', async () => {
    const clock = new ManualClock(T);
    const { db, make, log } = replicas(clock);
    const a = make(A);
    await clock.advance(10);
    const b = make(B);
    await clock.advance(1_000);
    a.state.cut = true;
    const cutAt = clock.now();
    let overlap = 0;
    let takenOverAt: number | null = null;
    while (clock.now() - cutAt < 30_000) {
      await clock.advance(100);
      if (a.leadership.holds() && b.leadership.holds()) overlap++;
      if (a.state.working && b.state.working) overlap++;
      if (takenOverAt === null && b.leadership.role() === 'leader') takenOverAt = clock.now();
    }
    expect(overlap).toBe(0);
    expect(takenOverAt).not.toBeNull();
    expect((takenOverAt ?? 0) - cutAt).toBeLessThanOrEqual(S.ttlMs + S.renewMs);
    expect(log).toEqual(['a starts', 'a stops', 'b starts']);
    expect(a.leadership.role()).toBe('standby');
    // The cut heals: the old leader is a standby that keeps trying, and does not take the lease back.
    a.state.cut = false;
    await clock.advance(20_000);
    expect([a.leadership.role(), b.leadership.role()]).toEqual(['standby', 'leader']);
    await a.leadership.stop();
    await b.leadership.stop();
    db.close();
  });
});
