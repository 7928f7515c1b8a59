/**
 * What only the PostgreSQL store has to prove (the port contract runs on it elsewhere): its
 * migrations run once when replicas start together, a server away at start is a clear error
 * naming PINGOPS_DATABASE_URL without its password, and a server lost mid-run is said (health,
 * logs) while check writes wait in memory and reach the server once it answers again. The
 * server is "lost" by cutting a loopback proxy in front of it, never by stopping it (it is
 * shared).
 */
import pg from 'pg';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoneState } from '../../src/core/check-state.js';
import type { Database } from '../../src/store/ports.js';
import { openPostgresDatabase, type PostgresOptions } from '../../src/store/postgres/open.js';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { Secret } from '../../src/util/secret.js';
import { captureLogs } from '../support/log-capture.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDatabase, HAVE_POSTGRES, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { check, T0 } from './contract.js';

const done: DoneState = { kind: 'done', serviceId: 1001, taskId: 'task-1', verdict: 'stable', message: null, polls: 2, elapsedMs: 5000, reason: { kind: 'verdict' }, cached: false, lossPct: 0, rttMs: 12.5 };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  return db;
}

async function proxyTo(port = 5432): Promise<TcpProxy> {
  const p = await startTcpProxy(port);
  cleanup.push(() => p.close());
  return p;
}

async function open(url: string, over: Partial<PostgresOptions> = {}): Promise<Database> {
  const store = await openPostgresDatabase({ url: new Secret(url), poolMax: 4, timeoutMs: 2000, cardTtlMs: 300_000, logger: captureLogs().logger, clock: new ManualClock(T0), ...over });
  cleanup.push(() => store.close());
  return store;
}

/** Rows as another process would read them, straight from the server. */
async function direct<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

/** Moves virtual time in steps until `ready()` (the retry loop's pauses are virtual, its I/O real). */
async function advanceUntil(clock: ManualClock, ready: () => boolean, stepMs = 1000, steps = 60): Promise<void> {
  for (let i = 0; i < steps && !ready(); i++) {
    await clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(ready()).toBe(true);
}

describe.skipIf(!HAVE_POSTGRES)('the PostgreSQL store', () => {
  it('migrates once when two replicas open a new database together', async () => {
    const db = await database();
    const a = captureLogs();
    const b = captureLogs();
    await Promise.all([open(db.url, { logger: a.logger }), open(db.url, { logger: b.logger })]);

    const rows = await direct<{ id: string }>(db.url, 'SELECT id FROM schema_migrations');
    // Every step once (0001 the schema, then each later one in order).
    expect(rows.map((r) => r.id)).toEqual(PG_MIGRATIONS.map((m) => m.id));
    expect(rows[0]?.id).toBe('0001-pingops');
    // One of the two ran every step (one log line each); the other found them done.
    const migrated = [a, b].map((x) => x.records().filter((r) => r.msg === 'store migrated').length).sort();
    expect(migrated).toEqual([0, PG_MIGRATIONS.length]);
  });

  it('refuses to start on a server that does not answer, naming PINGOPS_DATABASE_URL and never its password', async () => {
    const proxy = await proxyTo();
    proxy.cut();
    const logs = captureLogs();
    const err = await open(`postgres://pingops:pw-never-shown@127.0.0.1:${proxy.port}/pingops`, { logger: logs.logger }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('StoreOpenError');
    expect((err as Error).message).toContain(`PINGOPS_DATABASE_URL=postgres://pingops@127.0.0.1:${proxy.port}/pingops`);
    expect((err as Error).message).toMatch(/Start the server/);
    expect((err as Error).message + logs.text()).not.toContain('pw-never-shown');
  });

  it('keeps a running check going while the server is away, says so, and writes what it kept once the server is back', async () => {
    const db = await database();
    const proxy = await proxyTo();
    const clock = new ManualClock(T0);
    const logs = captureLogs();
    const store = await open(db.via(proxy.port), { clock, logger: logs.logger, retryMs: 1000 });
    await store.checks.insert(check('a'), T0);
    await store.checks.update('a', { taskId: 'task-1', state: 'created' }, T0 + 100);

    proxy.cut();
    // The engine's writes do not fail: they wait in memory, in order.
    await store.checks.update('a', { final: done }, T0 + 5000);
    await store.checks.update('a', { mention: 'sent', delivered: true }, T0 + 5100);
    expect(await store.checks.get('a')).toMatchObject({ state: 'done', verdict: 'stable', mention: 'sent', delivered: true });
    expect(store.health()).toMatchObject({ state: 'degraded', reason: expect.stringContaining('2 check writes wait in memory') });
    expect(store.degraded).toBe(true);
    expect(logs.text()).toContain('STORE UNREACHABLE');
    // What only the server knows is refused, loudly, not answered empty, and at once: no
    // connection is tried for it (the retry loop alone looks for the server).
    const tried = proxy.refused;
    await expect(store.checks.history(1001, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.checks.lastVerdict(1001)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(proxy.refused).toBe(tried);
    await expect(store.intake.add([{ a: 1 }], T0, 100)).rejects.toBeInstanceOf(StoreUnavailableError);
    // A cache says "not cached" instead.
    await store.results.put('middleware:http://x#none', 4, done, T0 + 5000);
    expect(await store.results.get('middleware:http://x#none', 1001, 4, 60_000, T0 + 6000)).toBeNull();
    expect(await store.cards.get('middleware:http://x#none', 1001)).toBeNull();

    proxy.restore();
    await advanceUntil(clock, () => store.health().state === 'ok');

    const [row] = await direct<{ state: string; verdict: string; mention: string; delivered: boolean; task_id: string }>(db.url, "SELECT * FROM checks WHERE id = 'a'");
    expect(row).toMatchObject({ state: 'done', verdict: 'stable', mention: 'sent', delivered: true, task_id: 'task-1' });
    expect(store.health()).toMatchObject({ state: 'ok', lastFault: { reason: expect.stringMatching(/did not answer for \d+ s; the check writes kept in memory were written/) } });
    expect(logs.text()).toContain('STORE RECONNECTED');
    expect((await store.checks.history(1001, 10)).map((c) => c.id)).toEqual(['a']);
  });

  it('does not remember the checks other replicas finish: only an adopted one is answered from memory while the server is away', async () => {
    const db = await database();
    const proxy = await proxyTo();
    const other = await open(db.url);
    const mine = await open(db.via(proxy.port), { retryMs: 60_000 });
    await other.checks.insert(check('theirs', { owner: 'r1' }), T0);
    await other.checks.insert(check('gone', { owner: 'r9' }), T0);
    // This replica's adoption pass sees both; it wins only the one whose owner is gone.
    expect((await mine.checks.unfinished('slack', 'r2')).map((c) => c.id)).toEqual(['theirs', 'gone']);
    expect(await mine.checks.adopt('gone', 'r9', 'r2', T0 + 10_000)).toBe(true);
    // The other replica delivers its own check.
    await other.checks.update('theirs', { delivered: true }, T0 + 20_000);

    proxy.cut();
    // Its check is not answered from this replica's memory as if still running.
    await expect(mine.checks.get('theirs')).rejects.toBeInstanceOf(StoreUnavailableError);
    // The adopted one is this replica's now, and is.
    expect(await mine.checks.get('gone')).toMatchObject({ id: 'gone', owner: 'r2', delivered: false });
  });

  it('refuses a write beyond the bound of writes kept in memory, and says it', async () => {
    const db = await database();
    const proxy = await proxyTo();
    const logs = captureLogs();
    const store = await open(db.via(proxy.port), { logger: logs.logger, maxHeldWrites: 2 });
    await store.checks.insert(check('a'), T0);
    proxy.cut();
    await store.checks.update('a', { state: 'polling' }, T0 + 1);
    await store.checks.update('a', { state: 'polling' }, T0 + 2);
    await expect(store.checks.update('a', { final: done }, T0 + 3)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(logs.text()).toContain('STORE WRITE REFUSED');
    expect(store.health()).toMatchObject({ state: 'degraded', reason: expect.stringContaining('1 refused') });
  });

  it('writes a NOC commit retried with the same changes once (an answer lost after COMMIT)', async () => {
    const db = await database();
    const store = await open(db.url);
    const changes = { tracks: new Map([['client:1001', { down: true }]]), incidents: [{ id: 1, scope: 'router:7', state: 'open' as const, openedAt: T0, resolvedAt: null }], events: [{ kind: 'opened', incident: { id: 1 } }] };
    const first = await store.noc.commit(changes, T0);
    const again = await store.noc.commit(changes, T0 + 10);

    expect(again).toEqual(first);
    expect(await direct(db.url, 'SELECT id FROM noc_outbox')).toHaveLength(1);
  });

  it('keeps to its pool size however many statements come at once, never sheds a check write, and sheds reads that would queue without bound', async () => {
    const db = await database();
    const store = await open(db.url, { poolMax: 2 });
    // Check writes are never shed: 100 checks starting at once all land, through 2 connections.
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.checks.insert(check(`c${i}`), T0)));
    expect(await direct(db.url, 'SELECT id FROM checks')).toHaveLength(100);
    const [{ n }] = (await direct<{ n: number }>(db.url, "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pingops'", [db.name])) as [{ n: number }];
    expect(n).toBeLessThanOrEqual(2);
    // 2 connections, at most 40 waiting: a burst of 100 reads sheds some, and says why.
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => store.checks.history(1001, 10)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/statements waiting/);
  });
});
