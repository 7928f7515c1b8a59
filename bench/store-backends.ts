/**
 * The store's cost per check on each backend, in one process: SQLite (a file in WAL mode) next
 * to PostgreSQL (the machine's server, a fresh database dropped after). Each check makes the
 * writes the engine makes (insert, root card, status message, task id, verdict,
 * notification sending/sent, delivered), each awaited as the engine's next step would be, and
 * the PingService's one upsert of the verdict into the shared result cache (issue 16).
 * Reported: write latency per check (the 9 writes, one check at a time), and checks per second
 * with 50 checks in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DoneState } from '../src/core/check-state.js';
import type { CheckStore, Database } from '../src/store/ports.js';
import { openPostgresDatabase } from '../src/store/postgres/open.js';
import { openSqliteDatabase } from '../src/store/sqlite/open.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { Secret } from '../src/util/secret.js';

export interface BackendRow {
  store: string;
  checks: number;
  writes_per_check: number;
  write_us_per_check_mean: number;
  write_us_per_check_p99: number;
  checks_per_s_50_in_flight: number;
}

const CLIENT = { serviceId: 1001, name: 'Ana Morales', document: '1032456789', phone: '+573104445566', address: 'Cra 12 #34-56', city: 'Tunja', locality: 'Centro', paymentStatus: 'active', zoneId: 3, antennaIp: '10.20.30.40', cutOffDate: '2026-01-05', outstandingBalance: 0, lanInterface: 'ether2', planName: 'Hogar 50M', planPrice: 65000, technicianId: 7, router: { id: 2, name: 'RB-2', generalFault: null }, sector: { id: 5, name: 'Sector Norte' }, zoneName: 'Zona 3' };
const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';

/** The 8 writes of one check's life, in the engine's order. */
export async function oneCheck(store: CheckStore, id: string, serviceId: number, now: number): Promise<void> {
  await store.insert({ id, serviceId, packets: 4, requester: 'U0123ABCD', requesterName: 'tech', surface: 'slack', place: { channel: 'C0NOC', thread: null }, messages: {}, locale: 'es', client: { ...CLIENT, serviceId }, startedAt: now, deadlineAt: now + 60_000 }, now);
  await store.update(id, { messages: { root: '1710000000.000100' }, thread: '1710000000.000100' }, now);
  await store.update(id, { messages: { root: '1710000000.000100', status: '1710000000.000200' }, thread: '1710000000.000100' }, now);
  await store.update(id, { state: 'created', taskId: TASK }, now);
  const done: DoneState = { kind: 'done', serviceId, taskId: TASK, verdict: 'stable', message: 'ok', polls: 2, elapsedMs: 4900, reason: { kind: 'verdict' }, cached: false, lossPct: 0, rttMs: 12 };
  await store.update(id, { final: done }, now);
  await store.update(id, { mention: 'sending' }, now);
  await store.update(id, { mention: 'sent' }, now);
  await store.update(id, { delivered: true }, now);
}

/** The provider a bench process talks to (pingapi/identity's shape). */
const PROVIDER = 'middleware:http://127.0.0.1:8080#0123456789abcdef';

/** The engine's 8 writes and the result cache's 1. */
async function checkAndVerdict(db: Database, id: string, serviceId: number, now: number): Promise<void> {
  await oneCheck(db.checks, id, serviceId, now);
  await db.results.put(PROVIDER, 4, { kind: 'done', serviceId, taskId: TASK, verdict: 'stable', message: 'ok', polls: 2, elapsedMs: 4900, reason: { kind: 'verdict' }, cached: false, lossPct: 0, rttMs: 12 }, now);
}

async function measure(name: string, db: Database, n: number): Promise<BackendRow> {
  const per: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await checkAndVerdict(db, `seq${String(i).padStart(10, '0')}`, 1000 + (i % 900), t0 + i);
    per.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  let next = 0;
  const w0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) {
        const i = next++;
        await checkAndVerdict(db, `par${String(i).padStart(10, '0')}`, 1000 + (i % 900), t0 + i);
      }
    }),
  );
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  per.sort((a, b) => a - b);
  return {
    store: name,
    checks: n,
    writes_per_check: 9,
    write_us_per_check_mean: Math.round(per.reduce((a, b) => a + b, 0) / per.length),
    write_us_per_check_p99: Math.round(per[Math.floor(per.length * 0.99)] ?? 0),
    checks_per_s_50_in_flight: Math.round(n / wallS),
  };
}

/** SQLite and, when a server answers at BENCH_DATABASE_URL (default the machine's), PostgreSQL. */
export async function benchBackends(n = 2000): Promise<{ rows: BackendRow[]; note: string | null }> {
  const rows: BackendRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-backends-'));
  try {
    const sqlite = openSqliteDatabase({ path: join(dir, 'pingops.db'), logger: silentLogger, clock: systemClock, cardTtlMs: 300_000, checkEveryMs: 0 });
    rows.push(await measure('sqlite (file, WAL)', sqlite, n));
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `pingops_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return { rows, note: `PostgreSQL not measured: no server answers (${err instanceof Error ? err.message : String(err)})` };
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = await openPostgresDatabase({ url: new Secret(url.toString()), poolMax: 10, timeoutMs: 10_000, logger: silentLogger, clock: systemClock, cardTtlMs: 300_000 });
    rows.push(await measure('postgresql (127.0.0.1, pool 10)', db, n));
    await db.close();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
  return { rows, note: null };
}
