import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_TTL_MS, decideClaim, type FlightClaim } from '../../src/core/flight-claims.js';
import { createPingService, type PingServiceDeps } from '../../src/core/ping-service.js';
import type { Database } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { final, MemoryPingApi, pending } from '../support/memory-ping-api.js';

const T = 1_000_000;
const claim = (over: Partial<FlightClaim> = {}): FlightClaim => ({ key: 'sim:v1/1001/4', owner: 'r1', taskId: null, startedAt: T, until: T + CLAIM_TTL_MS, ...over });

describe('decideClaim: own, follow or wait', () => {
  it.each([
    ['nobody held it (this replica took it)', claim({ owner: 'me' }), { kind: 'own' }],
    ['no row at all (the store lost it)', null, { kind: 'own' }],
    ["another live replica's task: follow it, its deadline from the task's creation", claim({ taskId: 'task-9', startedAt: T - 3000 }), { kind: 'follow', taskId: 'task-9', startedAt: T - 3000, owner: 'r1' }],
    ['another live replica still creating: ask again shortly', claim(), { kind: 'wait', ms: 250 }],
    ['its claim about to lapse: ask again just after', claim({ until: T + 100 }), { kind: 'wait', ms: 101 }],
    ['a claim whose owner stopped renewing (by our clock): ours', claim({ until: T - 1 }), { kind: 'own' }],
  ] as const)('%s', (_name, c, decision) => {
    expect(decideClaim(c, 'me', T)).toEqual(decision);
  });
});

describe('single-flight across replicas (two PingServices on one store, one upstream, virtual time)', () => {
  const polling = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 0 };
  const unlimited: PingServiceDeps['queue'] = { take: async () => {}, admit: () => ({ ok: true }) };
  let dbs: Database[] = [];
  afterEach(async () => {
    for (const db of dbs) await db.close();
    dbs = [];
  });

  function replicas(queueOf: (name: string) => PingServiceDeps['queue'] = () => unlimited) {
    const clock = new ManualClock(T);
    const api = new MemoryPingApi();
    const db = openSqliteDatabase({ path: ':memory:', logger: silentLogger, clock, cardTtlMs: 300_000, checkEveryMs: 0 });
    dbs.push(db);
    const replica = (me: string) =>
      createPingService({ api, clock, logger: silentLogger, polling, queue: queueOf(me), random: () => 0.5, claims: { port: db.flights, me, scope: 'sim:v1' } });
    return { clock, api, db, a: replica('r1'), b: replica('r2') };
  }

  it('two people on two replicas pinging one client get one task and the same verdict', async () => {
    const { clock, api, a, b } = replicas();
    api.scripts.set(1001, [pending(), final('stable')]);
    const first = a.check(1001);
    await clock.advance(200);
    const second = b.check(1001);
    await clock.advance(20_000);
    const [x, y] = await Promise.all([first.done, second.done]);
    expect(api.createCalls).toEqual([{ serviceId: 1001, packets: 4 }]);
    expect(x).toMatchObject({ verdict: 'stable', taskId: 'task-1001-1' });
    expect(y).toMatchObject({ verdict: 'stable', taskId: 'task-1001-1' });
  });

  it("waits while the owner's creation waits for budget, then follows its task", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    // Replica r1's creations wait until the test opens its budget; r2 has budget to spare.
    const { clock, api, a, b } = replicas((me) => ({ take: async (kind) => (me === 'r1' && kind === 'create' ? gate : undefined), admit: () => ({ ok: true }) }));
    api.scripts.set(1001, [final('no_internet')]);
    const first = a.check(1001);
    await clock.advance(100);
    const second = b.check(1001);
    await clock.advance(5000);
    expect(api.createCalls).toEqual([]); // r2 did not create one of its own meanwhile
    open();
    await clock.advance(20_000);
    expect(api.createCalls).toHaveLength(1);
    expect((await second.done).verdict).toBe('no_internet');
    expect((await first.done).verdict).toBe('no_internet');
  });

  it('a claim whose owner is gone (it stopped renewing) is taken over after its TTL: one task, by the live replica', async () => {
    const { clock, api, db, b } = replicas();
    // r0 claimed the flight and died before creating its task.
    await db.flights.claim('sim:v1/1001/4', 'r0', clock.now(), CLAIM_TTL_MS);
    api.scripts.set(1001, [final('stable')]);
    const h = b.check(1001);
    await clock.advance(CLAIM_TTL_MS - 1000);
    expect(api.createCalls).toEqual([]);
    await clock.advance(20_000);
    expect(api.createCalls).toHaveLength(1);
    expect((await h.done).verdict).toBe('stable');
  });

  it('the owner renews its claim while its task runs, and releases it when done', async () => {
    const { clock, api, db, a } = replicas();
    api.scripts.set(1001, Array.from({ length: 12 }, () => pending()));
    const h = a.check(1001);
    await clock.advance(3 * CLAIM_TTL_MS);
    // Still running long past one TTL: still r1's, so another replica would follow, not create.
    expect(await db.flights.claim('sim:v1/1001/4', 'r9', clock.now(), CLAIM_TTL_MS)).toMatchObject({ owner: 'r1', taskId: 'task-1001-1' });
    await clock.advance(60_000);
    await h.done;
    await settle();
    expect(await db.flights.claim('sim:v1/1001/4', 'r9', clock.now(), CLAIM_TTL_MS)).toMatchObject({ owner: 'r9', taskId: null });
  });

  it('other packets are another flight: two tasks', async () => {
    const { clock, api, a, b } = replicas();
    a.check(1001, { packets: 4 });
    b.check(1001, { packets: 10 });
    await clock.advance(40_000);
    expect(api.createCalls).toHaveLength(2);
  });
});
