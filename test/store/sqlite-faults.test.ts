import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { watchStore } from '../../src/http/metrics.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { CARD_TRUST_MS, type Database, type NewCheck } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { silentLogger } from '../../src/util/logger.js';
import { bareClient } from '../support/clients.js';
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';
import { ManualClock } from '../support/manual-clock.js';
import { readOutside } from '../support/store.js';
import { check, done, T0 } from './contract.js';

let dirs: string[] = [];
let open: Database[] = [];
let servers: HttpServer[] = [];
afterEach(async () => {
  for (const db of open) await db.close();
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  open = [];
  servers = [];
});

const dbPath = () => {
  const d = mkdtempSync(join(tmpdir(), 'pingops-faults-'));
  dirs.push(d);
  return join(d, 'pingops.db');
};

/** What /metrics says of the store. */
function storeMetrics(db: Database): Promise<string> {
  const registry = new Registry();
  watchStore(registry, () => db.health());
  return registry.metrics();
}

function start(path: string, o: { logs: CapturedLogs; clock?: ManualClock; pragmas?: string[]; checkEveryMs?: number }): Database {
  const db = openSqliteDatabase({
    path,
    logger: o.logs.logger,
    clock: o.clock ?? new ManualClock(T0),
    cardTtlMs: CARD_TRUST_MS,
    checkEveryMs: o.checkEveryMs ?? 0,
    ...(o.pragmas ? { pragmas: o.pragmas } : {}),
  });
  open.push(db);
  return db;
}


async function readyz(db: Database): Promise<{ status: number; body: Record<string, unknown> }> {
  const http = createHttpServer(silentLogger);
  servers.push(http);
  http.setReady(true);
  http.watchStore(() => db.health());
  const port = await http.listen(0, '127.0.0.1');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('timeout', () => req.destroy(new Error('readyz timed out')));
    req.on('error', reject);
    req.end();
  });
}

const degradedLines = (logs: CapturedLogs) => logs.records().filter((r) => String(r.msg).startsWith('STORE DEGRADED: the database file'));

describe('a full disk', () => {
  it('moves every port into memory together, once, keeping what is waited for, and /readyz and /metrics say so', async () => {
    const logs = captureLogs();
    const path = dbPath();
    // Room for what the set-up writes, then the file may not grow: SQLITE_FULL, as a full disk.
    const db = start(path, { logs, pragmas: ['max_page_count = 40'] });
    await db.checks.insert(check('running'), T0);
    await db.noc.addWatch({ kind: 'router', ref: 91, intervalMs: 60_000, channel: null }, T0);
    const [pendingAlert] = (await db.intake.add([{ target: '1001' }], T0, 10)) ?? [];
    await db.nocMessages.saveMessages(7, 'slack', { channel: 'C0NOC', rootId: '1.1', threadId: '1.1' }, T0);
    expect(db.health()).toEqual({ state: 'ok' });

    const big: NewCheck = { ...check('big'), client: { ...bareClient(1001, 'x'.repeat(400_000)) } };
    await expect(db.checks.insert(big, T0)).resolves.toBeUndefined();
    expect(db.degraded).toBe(true);
    expect(db.health()).toMatchObject({ state: 'degraded', since: T0, reason: expect.stringMatching(/full/) });

    // Every port goes on, in memory, with what it had: the open check, the watch list, the
    // alert not yet checked, where the incident lives in chat.
    expect((await db.checks.get('running'))?.id).toBe('running');
    expect((await db.checks.get('big'))?.id).toBe('big');
    await db.checks.update('running', { final: done('stable') }, T0 + 1);
    expect((await db.checks.get('running'))?.verdict).toBe('stable');
    expect((await db.noc.listWatches()).map((w) => w.ref)).toEqual([91]);
    await db.noc.addWatch({ kind: 'zone', ref: 3, intervalMs: 60_000, channel: null }, T0 + 1);
    expect((await db.noc.listWatches()).map((w) => w.ref)).toEqual([91, 3]);
    expect((await db.intake.pending(10)).map((p) => p.id)).toEqual([pendingAlert]);
    expect(await db.nocMessages.messages(7, 'slack')).toMatchObject({ rootId: '1.1' });
    await db.cards.put('sim:v1', [{ record: bareClient(1002, 'Jorge'), fetchedAt: T0 }]);
    expect((await db.cards.get('sim:v1', 1002))?.record.name).toBe('Jorge');
    await db.results.put('sim:v1', 4, done('stable'), T0 + 1);
    expect((await db.results.get('sim:v1', 1001, 4, 60_000, T0 + 2))?.verdict).toBe('stable');
    await db.durationModels.save([]);

    // Said once, loudly; the file keeps what it had, and nothing written since.
    expect(degradedLines(logs)).toHaveLength(1);
    expect(degradedLines(logs)[0]?.level).toBe(50);
    expect(readOutside(path, 'SELECT id, verdict FROM checks')).toEqual([{ id: 'running', verdict: null }]);
    expect(readOutside(path, 'SELECT ref FROM noc_watch')).toEqual([{ ref: 91 }]);

    const ready = await readyz(db);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'store degraded', store: { state: 'degraded' } });
    expect(await storeMetrics(db)).toMatch(/^pingops_store_degraded 1$/m);
  });

  it('a healthy store keeps /readyz plain and the gauge at 0', async () => {
    const db = start(dbPath(), { logs: captureLogs() });
    await db.checks.insert(check('a'), T0);
    expect(await readyz(db)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await storeMetrics(db)).toMatch(/^pingops_store_degraded 0$/m);
  });
});

describe('files changed under the running process', () => {
  it('a WAL that vanished is noticed at the next look: its writes are saved into the file, the store goes on, logs and /readyz say so', async () => {
    const logs = captureLogs();
    const clock = new ManualClock(T0);
    const path = dbPath();
    const db = start(path, { logs, clock, checkEveryMs: 10_000 });
    await db.checks.insert(check('before'), T0);
    expect(existsSync(`${path}-wal`)).toBe(true);
    rmSync(`${path}-wal`);
    await clock.advance(10_000);

    const fault = logs.records().find((r) => String(r.msg).startsWith('STORE FAULT'));
    expect(fault?.level).toBe(50);
    expect(String(fault?.msg)).toMatch(/-wal\) vanished/);
    expect(db.health()).toMatchObject({ state: 'ok', lastFault: { at: T0 + 10_000, reason: expect.stringMatching(/WAL file vanished/) } });
    const ready = await readyz(db);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: { lastFault: { reason: expect.stringMatching(/vanished/) } } });

    // What was written before and after is in the file, as a process started after a crash sees it.
    await db.checks.insert(check('after', { startedAt: T0 + 1 }), T0 + 10_001);
    expect(readOutside(path, 'SELECT id FROM checks ORDER BY started_at')).toEqual([{ id: 'before' }, { id: 'after' }]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(db.degraded).toBe(false);
  });

  it('a database file replaced under the process moves every port into memory, loudly', async () => {
    const logs = captureLogs();
    const clock = new ManualClock(T0);
    const path = dbPath();
    const db = start(path, { logs, clock, checkEveryMs: 10_000 });
    await db.checks.insert(check('running'), T0);
    await db.noc.addWatch({ kind: 'router', ref: 91, intervalMs: 60_000, channel: null }, T0);
    // Someone restores an old copy over the live file.
    const other = `${path}.restored`;
    new BetterSqlite(other).close();
    renameSync(other, path);
    await clock.advance(10_000);

    expect(db.health()).toMatchObject({ state: 'degraded', reason: expect.stringMatching(/was replaced/) });
    expect(degradedLines(logs)).toHaveLength(1);
    expect((await db.checks.get('running'))?.id).toBe('running');
    expect((await db.noc.listWatches()).map((w) => w.ref)).toEqual([91]);
    expect((await readyz(db)).status).toBe(503);
  });
});
