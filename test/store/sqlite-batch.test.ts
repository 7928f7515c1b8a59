/**
 * The connection's one write queue (store/sqlite/handle.ts `later`/`flush`): the writes every
 * repository makes in one event-loop turn end in one commit. Commits are counted on disk: the
 * WAL frames that carry a commit mark (the database size after the commit), read from the file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { budgetShape } from '../../src/core/request-budget.js';
import { CARD_TRUST_MS, type Database, type NewCheck } from '../../src/store/ports.js';
import { openConnection } from '../../src/store/sqlite/connection.js';
import { createHandle, MAX_QUEUED_WRITES } from '../../src/store/sqlite/handle.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { silentLogger } from '../../src/util/logger.js';
import { bareClient } from '../support/clients.js';
import { captureLogs } from '../support/log-capture.js';
import { ManualClock } from '../support/manual-clock.js';
import { check, done, T0 } from './contract.js';

let dirs: string[] = [];
let closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  closers = [];
});

const dbPath = () => {
  const d = mkdtempSync(join(tmpdir(), 'pingops-batch-'));
  dirs.push(d);
  return join(d, 'pingops.db');
};

function start(path: string, pragmas?: string[]): Database {
  const db = openSqliteDatabase({
    path,
    logger: captureLogs().logger,
    clock: new ManualClock(T0),
    cardTtlMs: CARD_TRUST_MS,
    checkEveryMs: 0,
    ...(pragmas ? { pragmas } : {}),
  });
  closers.push(() => db.close());
  return db;
}

/**
 * Commits in the WAL since it was last reset: frames whose header carries a database size
 * (only a transaction's last frame does), with the salts of the WAL's header (older frames
 * left behind a reset carry other salts).
 */
function commitsInWal(path: string): number {
  const wal = readFileSync(`${path}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salts = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salts[0] || wal.readUInt32BE(at + 12) !== salts[1]) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

/** What another process finds in the file. */
function readOutside(path: string, sql: string): unknown[] {
  const other = new BetterSqlite(path, { readonly: true });
  try {
    return other.prepare(sql).all();
  } finally {
    other.close();
  }
}

const shape = budgetShape(100); // 10 tokens
const K = 'sim:v1/1001/4';

/** One write of each batched repository, all made in the same turn. */
function oneOfEach(db: Database, id: string, key: string): Promise<unknown>[] {
  return [
    db.checks.insert(check(id), T0),
    db.flights.claim(key, 'r1', T0, 15_000),
    db.budget.draw('ping-api', shape, { want: 1, keep: 0, now: T0 }),
    db.cards.put('sim:v1', [{ record: bareClient(1001, 'Ana'), fetchedAt: T0 }]),
    db.results.put('sim:v1', 4, done('stable'), T0),
    db.checks.update(id, { state: 'polling', taskId: 'task-1' }, T0 + 1),
    db.flights.renew(key, 'r1', 'task-1', T0 + 1, 15_000),
  ];
}

describe('SQLite writes of one turn, every repository', () => {
  it('end in ONE commit on disk; the same writes awaited one by one are seven', async () => {
    const path = dbPath();
    const db = start(path);
    await db.checks.insert(check('warm-up'), T0);
    const before = commitsInWal(path);

    await Promise.all(oneOfEach(db, 'a', K));
    expect(commitsInWal(path) - before).toBe(1);

    // The counter counts: the same seven writes, each in a turn of its own.
    const mid = commitsInWal(path);
    for (const w of [
      () => db.checks.insert(check('b'), T0),
      () => db.flights.claim('k2', 'r1', T0, 15_000),
      () => db.budget.draw('ping-api', shape, { want: 1, keep: 0, now: T0 }),
      () => db.cards.put('sim:v1', [{ record: bareClient(1002, 'Jorge'), fetchedAt: T0 }]),
      () => db.results.put('sim:v1', 4, done('intermittent', { serviceId: 1002 }), T0),
      () => db.checks.update('b', { state: 'polling' }, T0 + 1),
      () => db.flights.renew('k2', 'r1', 'task-2', T0 + 1, 15_000),
    ]) {
      await w();
    }
    expect(commitsInWal(path) - mid).toBe(7);

    // Everything is in the file for another process.
    expect(readOutside(path, "SELECT state, task_id AS taskId FROM checks WHERE id = 'a'")).toEqual([{ state: 'polling', taskId: 'task-1' }]);
    expect(readOutside(path, 'SELECT key, owner, task_id AS taskId FROM flight_claims ORDER BY key')).toEqual([
      { key: 'k2', owner: 'r1', taskId: 'task-2' },
      { key: K, owner: 'r1', taskId: 'task-1' },
    ]);
    expect(readOutside(path, 'SELECT service_id AS id FROM provider_cards ORDER BY service_id')).toEqual([{ id: 1001 }, { id: 1002 }]);
    expect(readOutside(path, 'SELECT credit FROM request_budget')).toHaveLength(1);
  });

  it('a failing write fails alone: the others of its turn are committed and answer', async () => {
    const path = dbPath();
    const db = start(path);
    await db.checks.insert(check('dup'), T0);
    // A duplicate check id (a constraint failure) among good writes of every repository.
    const [claim, , dup, card] = await Promise.allSettled([
      db.flights.claim(K, 'r1', T0, 15_000),
      db.budget.draw('ping-api', shape, { want: 2, keep: 0, now: T0 }),
      db.checks.insert(check('dup'), T0 + 5),
      db.cards.put('sim:v1', [{ record: bareClient(1001, 'Ana'), fetchedAt: T0 }]),
      db.checks.insert(check('fresh'), T0 + 5),
    ]);
    expect(claim).toMatchObject({ status: 'fulfilled', value: { owner: 'r1' } });
    expect(dup).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });
    expect(card?.status).toBe('fulfilled');
    expect(readOutside(path, 'SELECT id, started_at AS at FROM checks ORDER BY id')).toEqual([
      { id: 'dup', at: T0 },
      { id: 'fresh', at: T0 },
    ]);
    expect(readOutside(path, 'SELECT owner FROM flight_claims')).toEqual([{ owner: 'r1' }]);
    expect(readOutside(path, 'SELECT COUNT(*) AS n FROM provider_cards')).toEqual([{ n: 1 }]);
    // Granted once, not twice (the batch was applied again, one write at a time).
    expect((await db.budget.draw('ping-api', shape, { want: 10, keep: 0, now: T0 })).granted).toBe(8);
  });

  it('a read sees the writes queued before it, and a read of another table leaves the queue to the end of the turn', async () => {
    const path = dbPath();
    const db = start(path);
    await db.checks.insert(check('a'), T0);
    const before = commitsInWal(path);

    void db.cards.put('sim:v1', [{ record: bareClient(1001, 'Ana'), fetchedAt: T0 }]);
    void db.checks.update('a', { state: 'polling' }, T0 + 1);
    // Nothing queued for result_cache: this read commits nothing.
    expect(await db.results.get('sim:v1', 1001, 4, 60_000, T0)).toBeNull();
    expect(commitsInWal(path) - before).toBe(0);
    // A card read applies the queue, the check's write with it, in one commit.
    expect((await db.cards.get('sim:v1', 1001))?.record.name).toBe('Ana');
    expect(commitsInWal(path) - before).toBe(1);
    expect(readOutside(path, "SELECT state FROM checks WHERE id = 'a'")).toEqual([{ state: 'polling' }]);

    void db.results.put('sim:v1', 4, done('stable'), T0 + 2);
    expect((await db.results.get('sim:v1', 1001, 4, 60_000, T0 + 2))?.verdict).toBe('stable');
    void db.flights.release(K, 'nobody');
    void db.checks.update('a', { delivered: true }, T0 + 3);
    expect(await db.checks.get('a')).toMatchObject({ delivered: true });
  });

  it('a read of one table applies the earlier writes of every table, in call order (the handle, on its own)', async () => {
    const path = dbPath();
    const conn = openConnection(path, [{ id: '0001-t', sql: 'CREATE TABLE a (v INTEGER); CREATE TABLE b (v INTEGER)' }], silentLogger);
    closers.push(() => conn.close());
    const sql = createHandle(conn, () => false);
    const order: string[] = [];
    void sql.later('a', () => order.push('a1') && sql.st('INSERT INTO a VALUES (1)').run());
    void sql.later('b', () => order.push('b1') && sql.st('INSERT INTO b VALUES ((SELECT COUNT(*) FROM a))').run());
    void sql.later('a', () => order.push('a2') && sql.st('INSERT INTO a VALUES (2)').run());
    sql.flush('zzz');
    expect(readOutside(path, 'SELECT v FROM a')).toEqual([]);
    sql.flush('b');
    expect(order).toEqual(['a1', 'b1', 'a2']);
    expect(readOutside(path, 'SELECT v FROM b')).toEqual([{ v: 1 }]);
    expect(readOutside(path, 'SELECT v FROM a')).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('the batch holds the write lock from its start (IMMEDIATE), and the queue is bounded', async () => {
    const path = dbPath();
    const conn = openConnection(path, [{ id: '0001-t', sql: 'CREATE TABLE a (v INTEGER)' }], silentLogger);
    closers.push(() => conn.close());
    const sql = createHandle(conn, () => false);
    const other = new BetterSqlite(path, { timeout: 0 });
    closers.push(() => other.close());
    // Before the batch writes anything, another connection can no longer take the lock.
    const seen = await sql.later('a', () => {
      try {
        other.exec('BEGIN IMMEDIATE; ROLLBACK');
        return 'free';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    });
    expect(seen).toBe('SQLITE_BUSY');

    const before = commitsInWal(path);
    const writes = Array.from({ length: MAX_QUEUED_WRITES + 10 }, (_, i) => sql.later('a', () => sql.st('INSERT INTO a VALUES (?)').run(i)));
    // The first MAX_QUEUED_WRITES were applied as the queue filled, before the turn ended.
    expect(commitsInWal(path) - before).toBe(1);
    await Promise.all(writes);
    expect(commitsInWal(path) - before).toBe(2);
    expect(readOutside(path, 'SELECT COUNT(*) AS n FROM a')).toEqual([{ n: MAX_QUEUED_WRITES + 10 }]);
  });

  it('two processes on one file: claims at once give one owner, draws at once never spend the same credit', async () => {
    const path = dbPath();
    const one = start(path);
    const two = start(path);
    const claims = await Promise.all([one, two, one, two].map((db, i) => db.flights.claim(K, `r${i}`, T0, 15_000)));
    expect(new Set(claims.map((c) => c.owner)).size).toBe(1);
    expect(readOutside(path, 'SELECT owner FROM flight_claims')).toEqual([{ owner: claims[0]?.owner }]);

    const draws = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? one : two).budget.draw('ping-api', shape, { want: 1, keep: 0, now: T0 })));
    expect(draws.reduce((n, d) => n + d.granted, 0)).toBe(10);
  });

  it('close applies what every repository queued', async () => {
    const path = dbPath();
    const db = start(path);
    void oneOfEach(db, 'a', K);
    await db.close();
    const again = start(path);
    expect(await again.checks.get('a')).toMatchObject({ state: 'polling', taskId: 'task-1' });
    expect(await again.flights.claim(K, 'r2', T0 + 2, 15_000)).toMatchObject({ owner: 'r1', taskId: 'task-1' });
    expect((await again.cards.get('sim:v1', 1001))?.record.name).toBe('Ana');
    expect((await again.results.get('sim:v1', 1001, 4, 60_000, T0))?.verdict).toBe('stable');
    expect((await again.budget.draw('ping-api', shape, { want: 10, keep: 0, now: T0 })).granted).toBe(9);
  });

  it('a full disk under a batch moves it into memory whole: every write of the turn answers and is there', async () => {
    const path = dbPath();
    const db = start(path, ['max_page_count = 40']);
    await db.checks.insert(check('running'), T0);
    const big: NewCheck = { ...check('big'), client: bareClient(1001, 'x'.repeat(400_000)) };
    const [claim, , bigInsert] = await Promise.all([
      db.flights.claim(K, 'r1', T0, 15_000),
      db.cards.put('sim:v1', [{ record: bareClient(1002, 'Jorge'), fetchedAt: T0 }]),
      db.checks.insert(big, T0),
      db.checks.update('running', { state: 'polling' }, T0 + 1),
    ]);
    expect(claim).toMatchObject({ owner: 'r1' });
    expect(bigInsert).toBeUndefined();
    expect(db.degraded).toBe(true);
    expect((await db.checks.get('big'))?.id).toBe('big');
    expect(await db.checks.get('running')).toMatchObject({ state: 'polling' });
    expect((await db.cards.get('sim:v1', 1002))?.record.name).toBe('Jorge');
    expect(await db.flights.claim(K, 'r2', T0 + 2, 15_000)).toMatchObject({ owner: 'r1' });
    // The file keeps what it had before the batch, nothing of it.
    expect(readOutside(path, 'SELECT id, state FROM checks')).toEqual([{ id: 'running', state: 'starting' }]);
  });
});
