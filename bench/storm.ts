/**
 * `npm run bench -- storm`: alert storms.
 * (a) Intake throughput: Alertmanager notifications posted to the real hooks route (HTTP on
 *     loopback, bearer token, body reader, the payload reader) and written to a SQLite file
 *     (`noc_intake`) before each 202: alerts accepted and stored per second, wall time.
 * (b) Requests per 100 alerts of a router outage: virtual time, the real watcher, PingService and
 *     request queue on a modelled network; one notification with every client of a router that is
 *     down, next to one check per alert (what intake did before storms were folded).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientRecord } from '../src/core/client.js';
import { createPingService } from '../src/core/ping-service.js';
import { createRequestQueue } from '../src/core/request-queue.js';
import type { Directory } from '../src/directory/types.js';
import { mountHooks } from '../src/http/hooks.js';
import { createHttpServer } from '../src/http/server.js';
import type { IntakeAlert } from '../src/noc/intake.js';
import { createIntakeSink } from '../src/noc/intake-sink.js';
import { createOutbox } from '../src/noc/outbox.js';
import { DEFAULT_NOC_SETTINGS, type NocEvent } from '../src/noc/types.js';
import { createWatcher } from '../src/noc/watcher.js';
import Database from 'better-sqlite3';
import type { PingopsDatabase } from '../src/app.js';
import { openDatabase } from '../src/store/open.js';
import { createLogger } from '../src/util/logger.js';
import { Secret } from '../src/util/secret.js';
import { ManualClock } from '../test/support/manual-clock.js';
import { NetworkPingApi } from '../test/support/network-ping-api.js';

const logger = createLogger('silent');
const TOKEN = 'bench-storm-token';
const POLLING = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };

const amAlert = (id: number, i: number) => ({
  status: 'firing',
  labels: { alertname: 'ClientLinkDown', severity: 'page', job: 'blackbox-icmp', instance: `10.20.${Math.floor(i / 250)}.${i % 250}`, service_id: String(id) },
  annotations: { summary: `CPE of service ${id} does not answer ICMP`, description: 'probe_success == 0 for 2m' },
  startsAt: '2026-12-02T10:42:07.114Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.noc.example:9090/graph?g0.expr=probe_success%3D%3D0',
  fingerprint: (id * 7919).toString(16).padStart(16, '0'),
});

/** (a) Alerts accepted and stored per second through the hooks route, `payloads` notifications of `size` alerts. */
export async function benchIntake(payloads: number, size: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-storm-'));
  const path = join(dir, 'pingops.db');
  const db: PingopsDatabase = await openDatabase({ store: { path, retentionDays: 30 } }, logger);
  const queue = db.intake;
  // The checks are not measured here: the watcher takes each notification and answers at once.
  const watcher = { intake: async (items: readonly unknown[]) => items.map(() => 'noted' as const), unmatched: async () => {} };
  const directory: Directory = { resolve: async (t) => ({ kind: 'not_found', target: t }), client: async () => null, suggest: async () => [] };
  const clients = Array.from({ length: size }, (_, i) => ({ serviceId: 100_000 + i }) as ClientRecord);
  const sink = createIntakeSink({ queue, directory, inventory: { list: async () => clients }, watcher, clock: { now: () => Date.now(), sleep: async () => {} } as never, logger, maxPending: payloads * size + 1 });
  const http = createHttpServer(logger);
  mountHooks(http, { token: new Secret(TOKEN), clientLabel: 'service_id', sink, logger });
  const port = await http.listen(0, '127.0.0.1');
  const bodies = Array.from({ length: payloads }, (_, p) => JSON.stringify({ version: '4', status: 'firing', receiver: 'pingops', groupLabels: { alertname: 'ClientLinkDown' }, alerts: clients.map((c, i) => ({ ...amAlert(c.serviceId, i), fingerprint: `${p}-${i}` })) }));
  const started = performance.now();
  let accepted = 0;
  for (const body of bodies) {
    const res = await fetch(`http://127.0.0.1:${port}/hooks/alertmanager`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    const answer = (await res.json()) as { accepted?: number };
    if (res.status !== 202) throw new Error(`hook answered ${res.status}: ${JSON.stringify(answer)}`);
    accepted += answer.accepted ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  await sink.idle();
  await sink.stop();
  await http.close();
  await db.close();
  const file = new Database(path, { readonly: true });
  const stored = (file.prepare('SELECT COUNT(*) AS n FROM noc_intake').get() as { n: number }).n;
  file.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    notifications: payloads,
    'alerts each': size,
    'KB each': Math.round((bodies[0]?.length ?? 0) / 1024),
    accepted,
    stored,
    'alerts/s accepted and stored': Math.round(accepted / seconds),
    'ms per notification': Math.round((seconds * 1000) / payloads),
  };
}

/** (b) Requests to the Ping API per 100 alerts of a router outage: folded, next to one check per alert. */
export async function benchOutage(alerts: number): Promise<Record<string, string | number>[]> {
  const router = Array.from({ length: alerts }, (_, i) => ({
    serviceId: 1000 + i, name: `Client ${1000 + i}`, document: null, phone: null, address: null, city: null, locality: null,
    paymentStatus: 'active', zoneId: 1, antennaIp: null, cutOffDate: null, outstandingBalance: null, lanInterface: null,
    planName: null, planPrice: null, technicianId: null, router: { id: 1, name: 'RB-1', generalFault: null }, sector: null, zoneName: 'Zona 1',
  }) as ClientRecord);
  const byId = new Map(router.map((c) => [c.serviceId, c]));
  const directory: Directory = { resolve: async (t) => (t.kind === 'service_id' && byId.has(t.serviceId) ? { kind: 'found', client: byId.get(t.serviceId) as ClientRecord } : { kind: 'not_found', target: t }), client: async (id) => byId.get(id) ?? null, suggest: async () => [] };
  const rows: Record<string, string | number>[] = [];
  for (const mode of ['folded (pingops)', 'one check per alert'] as const) {
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 10));
    const api = new NetworkPingApi(clock, () => 'no_internet');
    const service = createPingService({ api, clock, logger, polling: POLLING, queue: createRequestQueue({ perMinute: 100, burst: 25, clock, max: 10_000, maxWaitMs: 3_600_000 }), random: () => 0.5 });
    const started = clock.now();
    let doneAt = started;
    if (mode === 'folded (pingops)') {
      const db: PingopsDatabase = await openDatabase({ store: { path: ':memory:', retentionDays: 30 } }, logger);
      const store = db.noc;
      const events: NocEvent[] = [];
      const outbox = createOutbox({ store, clock, logger, notifier: { deliver: async (e) => void events.push(e) } });
      const watcher = createWatcher({ checker: service, inventory: { list: async () => router }, store, outbox, clock, logger, settings: DEFAULT_NOC_SETTINGS, ratePerMin: 100 });
      const sink = createIntakeSink({ queue: db.intake, directory, inventory: { list: async () => router }, watcher, clock, logger, maxPending: 10_000 });
      await watcher.start();
      const payload: IntakeAlert[] = router.map((c) => ({ source: 'alertmanager', status: 'firing', target: String(c.serviceId), key: String(c.serviceId), title: 'ClientLinkDown', reason: null, channel: null }));
      await sink.accept(payload);
      await clock.until(() => events.some((e) => e.kind === 'opened'), 30 * 60_000, 250);
      doneAt = clock.now();
      const requests = api.requests.length;
      rows.push({ mode, alerts, 'tasks created': api.creates.length, requests, 'requests per 100 alerts': Math.round((requests * 100) / alerts), 'incidents opened': events.filter((e) => e.kind === 'opened').length, 'to the incident (virtual)': `${Math.round((doneAt - started) / 1000)} s` });
      await sink.stop();
      await watcher.stop();
      await outbox.stop();
      await db.close();
    } else {
      // What intake did before: each alert's client checked on its own, at people's priority.
      const run = Promise.all(router.map((c) => service.check(c.serviceId, { priority: 'interactive', fresh: true }).done));
      let finished = false;
      void run.then(() => (finished = true));
      await clock.until(() => finished, 60 * 60_000, 250);
      doneAt = clock.now();
      rows.push({ mode, alerts, 'tasks created': api.creates.length, requests: api.requests.length, 'requests per 100 alerts': Math.round((api.requests.length * 100) / alerts), 'incidents opened': 'one note or incident each', 'to the incident (virtual)': `${Math.round((doneAt - started) / 1000)} s` });
    }
    await service.close();
  }
  return rows;
}
