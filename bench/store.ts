import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DoneState } from '../src/core/check-state.js';
import { openDatabase } from '../src/store/open.js';
import { silentLogger } from '../src/util/logger.js';

export interface StoreBenchRow {
  checks: number;
  writes_per_check: number;
  us_per_check_mean: number;
  us_per_check_p99: number;
  bytes_per_check: number;
  history_query_us: number;
}

/**
 * What the store costs one check, on a real file in WAL mode: the writes the engine makes
 * (insert, root card, status message, task id, polling, verdict, notification sending/sent, delivered), timed per check.
 */
export async function benchStore(n = 5000): Promise<StoreBenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-store-'));
  const path = join(dir, 'pingops.db');
  const db = await openDatabase({ store: { path, retentionDays: 30 } }, silentLogger);
  const store = db.checks;
  const client = { serviceId: 1001, name: 'Ana Morales', document: '1032456789', phone: '+573104445566', address: 'Cra 12 #34-56', city: 'Tunja', locality: 'Centro', paymentStatus: 'active', zoneId: 3, antennaIp: '10.20.30.40', cutOffDate: '2026-01-05', outstandingBalance: 0, lanInterface: 'ether2', planName: 'Hogar 50M', planPrice: 65000, technicianId: 7, router: { id: 2, name: 'RB-2', generalFault: null }, sector: { id: 5, name: 'Sector Norte' }, zoneName: 'Zona 3' };
  const per: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const id = `bench${String(i).padStart(11, '0')}`;
    const serviceId = 1000 + (i % 900);
    const start = process.hrtime.bigint();
    const now = t0 + i;
    await store.insert({ id, serviceId, packets: 4, requester: 'U0123ABCD', requesterName: 'tech', surface: 'slack', place: { channel: 'C0NOC', thread: null }, messages: {}, locale: 'es', client: { ...client, serviceId }, startedAt: now, deadlineAt: now + 60_000 }, now);
    await store.update(id, { messages: { root: '1710000000.000100' }, thread: '1710000000.000100' }, now);
    await store.update(id, { messages: { root: '1710000000.000100', status: '1710000000.000200' }, thread: '1710000000.000100' }, now);
    await store.update(id, { state: 'created', taskId: '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34' }, now);
    await store.update(id, { state: 'polling' }, now);
    const done: DoneState = { kind: 'done', serviceId, taskId: '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34', verdict: 'stable', message: 'ok', polls: 2, elapsedMs: 4900, reason: { kind: 'verdict' }, cached: false, lossPct: 0, rttMs: 12 };
    await store.update(id, { final: done }, now);
    await store.update(id, { mention: 'sending' }, now);
    await store.update(id, { mention: 'sent' }, now);
    await store.update(id, { delivered: true }, now);
    per.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const q0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await store.history(1000 + i, 10);
  const historyUs = Number(process.hrtime.bigint() - q0) / 1000 / 100;
  await db.close();
  const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  rmSync(dir, { recursive: true, force: true });
  per.sort((a, b) => a - b);
  const mean = per.reduce((a, b) => a + b, 0) / per.length;
  return {
    checks: n,
    writes_per_check: 9,
    us_per_check_mean: Math.round(mean),
    us_per_check_p99: Math.round(per[Math.floor(per.length * 0.99)] ?? 0),
    bytes_per_check: Math.round(size / n),
    history_query_us: Math.round(historyUs),
  };
}
