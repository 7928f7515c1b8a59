import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../src/core/client.js';
import { createPingService } from '../../src/core/ping-service.js';
import type { ApiVerdict } from '../../src/core/verdict.js';
import { createOutbox } from '../../src/noc/outbox.js';
import { DEFAULT_NOC_SETTINGS, type NocEvent, type NocSettings } from '../../src/noc/types.js';
import { createWatcher, WatcherBusyError } from '../../src/noc/watcher.js';
import type { PingopsDatabase } from '../../src/app.js';
import { testDatabase } from '../support/store.js';
import { createLogger } from '../../src/util/logger.js';
import { createRequestQueue } from '../../src/core/request-queue.js';
import { bareClient } from '../support/clients.js';
import { ManualClock } from '../support/manual-clock.js';
import { NetworkPingApi } from '../support/network-ping-api.js';

const MIN = 60_000;
const POLLING = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };
const SETTINGS: NocSettings = { ...DEFAULT_NOC_SETTINGS, intervalMs: MIN, roundMinMs: 30_000 };
const logger = createLogger('silent');

/** 3 routers of 10 clients (ids 1-30); client 25 is suspended (and its line is cut). */
const CLIENTS: ClientRecord[] = Array.from({ length: 30 }, (_, i) =>
  bareClient(i + 1, `Client ${i + 1}`, {
    zoneId: 1,
    zoneName: 'Zona 1',
    router: { id: Math.floor(i / 10) + 1, name: `RB-${Math.floor(i / 10) + 1}`, generalFault: null },
    paymentStatus: i + 1 === 25 ? 'Suspendido' : 'Activo',
  }),
);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rig(lineAt: (id: number, t: number) => ApiVerdict, dbPath = ':memory:') {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 8));
  const t0 = clock.now();
  const api = new NetworkPingApi(clock, (id, t) => lineAt(id, t - t0));
  const service = createPingService({ api, clock, logger, polling: POLLING, queue: createRequestQueue({ perMinute: 100, burst: 25, clock, max: 100_000, maxWaitMs: 3_600_000 }), random: () => 0.5 });
  const delivered: { id: number; event: NocEvent }[] = [];
  let failNext = 0;
  const open = (path: string) => {
    const db = testDatabase(path, { logger: logger });
    const store = db.noc;
    const outbox = createOutbox({
      store,
      clock,
      logger,
      notifier: {
        deliver: async (event, id) => {
          if (failNext > 0) {
            failNext--;
            throw new Error('chat is down');
          }
          delivered.push({ id, event });
        },
      },
    });
    const watcher = createWatcher({ checker: service, inventory: { list: async () => CLIENTS }, store, outbox, clock, logger, settings: SETTINGS, ratePerMin: 100 });
    return { db, store, outbox, watcher };
  };
  return { clock, t0, api, service, delivered, open, failNext: (n: number) => (failNext = n), path: dbPath };
}

const kinds = (d: { event: NocEvent }[]) => d.map(({ event: e }) => ('incident' in e ? `${e.kind} ${e.incident.scope}` : e.kind === 'flapping' ? `flapping ${e.scope}` : e.kind));
const routerTwoDown = (from: number, to: number) => (id: number, t: number): ApiVerdict => {
  if (id === 25) return 'no_internet';
  if (id >= 11 && id <= 20 && t >= from && t < to) return 'no_internet';
  return 'stable';
};

async function stopAll(parts: { db: PingopsDatabase; outbox: { stop(): Promise<void> }; watcher: { stop(): Promise<void> } }) {
  await parts.watcher.stop();
  await parts.outbox.stop();
  parts.db.close();
}

describe('NOC watcher (virtual time, real PingService and SQLite store)', () => {
  it('a router outage gives one incident and one recovery; the suspended client stays quiet; the share is kept', async () => {
    const r = rig(routerTwoDown(5 * MIN, 15 * MIN));
    const parts = r.open(':memory:');
    await parts.store.addWatch({ kind: 'all', ref: null, intervalMs: MIN, channel: null }, r.clock.now());
    await parts.watcher.start();
    await r.clock.advance(30 * MIN);
    expect(kinds(r.delivered).filter((k) => !k.startsWith('members_changed'))).toEqual(['opened router:2', 'resolved router:2']);
    const opened = r.delivered[0]?.event;
    expect(opened?.kind === 'opened' && opened.at - r.t0).toBeLessThan(5 * MIN + 2 * MIN);
    expect(r.api.creates.some((c) => c.serviceId === 25)).toBe(false);
    // Never more than the 50 % share in any minute.
    const times = r.api.requests;
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= (times[i] ?? 0) && t < (times[i] ?? 0) + MIN).length).toBeLessThanOrEqual(50);
    expect(parts.watcher.status().summary).toMatch(/^29 clients on 3 routers; sampling 1 per router/);
    await stopAll(parts);
    await r.service.close();
  });

  it('a restart (the process killed mid-outage) continues the incident: no second opening, one recovery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-noc-'));
    dirs.push(dir);
    const path = join(dir, 'noc.db');
    const r = rig(routerTwoDown(2 * MIN, 20 * MIN));
    const first = r.open(path);
    await first.store.addWatch({ kind: 'router', ref: 2, intervalMs: MIN, channel: null }, r.clock.now());
    await first.watcher.start();
    await r.clock.until(() => r.delivered.some((d) => d.event.kind === 'opened'), 10 * MIN, 1000);
    // As after kill -9: nothing is flushed or stopped gracefully; the database file is all that is left.
    first.db.close();
    // Its loop ends here too (whatever it still tries to write fails on the closed file, as a dead process would).
    await first.watcher.stop();
    await first.outbox.stop();
    const second = r.open(path);
    await second.watcher.start();
    expect(second.watcher.status().open.map((i) => i.scope)).toEqual(['router:2']);
    await r.clock.advance(25 * MIN);
    expect(kinds(r.delivered).filter((k) => !k.startsWith('members_changed'))).toEqual(['opened router:2', 'resolved router:2']);
    expect(new Set(r.delivered.map((d) => d.id)).size).toBe(r.delivered.length);
    await stopAll(second);
    await r.service.close();
  });

  it('a watch added while it runs takes effect within one interval', async () => {
    const r = rig(() => 'stable');
    const parts = r.open(':memory:');
    await parts.watcher.start();
    await r.clock.advance(2 * MIN);
    expect(r.api.creates).toEqual([]);
    await parts.store.addWatch({ kind: 'client', ref: 7, intervalMs: MIN, channel: null }, r.clock.now());
    await r.clock.advance(MIN);
    expect(r.api.creates.map((c) => c.serviceId)).toContain(7);
    await stopAll(parts);
    await r.service.close();
  });

  it('a notification that cannot be delivered stays in the outbox and goes out later, in order', async () => {
    const r = rig((id, t) => (id === 7 && t >= MIN ? 'no_internet' : 'stable'));
    const parts = r.open(':memory:');
    await parts.store.addWatch({ kind: 'client', ref: 7, intervalMs: MIN, channel: null }, r.clock.now());
    r.failNext(3);
    await parts.watcher.start();
    await r.clock.advance(10 * MIN);
    expect(kinds(r.delivered)).toEqual(['opened client:7']);
    expect(await parts.store.pendingOutbox(10)).toEqual([]);
    await stopAll(parts);
    await r.service.close();
  });

  it("WispHub's falla_general opens the router's incident from the client list; removing the watch ends it", async () => {
    const r = rig(() => 'stable');
    let fault: string | null = 'Corte de fibra en el troncal';
    const db = testDatabase(':memory:', { logger: logger });
    const store = db.noc;
    const outbox = createOutbox({ store, clock: r.clock, logger, notifier: { deliver: async (event, id) => void r.delivered.push({ id, event }) } });
    const inventory = { list: async () => CLIENTS.map((c) => (c.router?.id === 3 ? { ...c, router: { ...c.router, generalFault: fault } } : c)) };
    const watcher = createWatcher({ checker: r.service, inventory, store, outbox, clock: r.clock, logger, settings: SETTINGS, ratePerMin: 100 });
    await store.addWatch({ kind: 'all', ref: null, intervalMs: MIN, channel: null }, r.clock.now());
    await watcher.start();
    await r.clock.advance(MIN);
    const opened = r.delivered[0]?.event;
    expect(opened?.kind === 'opened' && [opened.incident.scope, opened.incident.notes]).toEqual(['router:3', ['WispHub falla_general: Corte de fibra en el troncal']]);
    await store.removeWatch('all', null);
    fault = null;
    await r.clock.advance(MIN);
    expect(kinds(r.delivered)).toEqual(['opened router:3', 'resolved router:3']);
    await stopAll({ db, outbox, watcher });
    await r.service.close();
  });

  it('one watcher per store: a second one is refused while the first runs, and may start once it stopped', async () => {
    const r = rig(() => 'stable');
    const db = testDatabase(':memory:', { logger: logger });
    const store = db.noc;
    const make = (leaseHolder?: { id: string; pid: number; host: string }) =>
      createWatcher({ checker: r.service, inventory: { list: async () => CLIENTS }, store, outbox: null, clock: r.clock, logger, settings: SETTINGS, ratePerMin: 100, ...(leaseHolder ? { leaseHolder } : {}) });
    // Another machine's bot: alive as far as we can tell.
    const elsewhere = make({ id: 'bot-1', pid: 4242, host: 'noc-server-elsewhere' });
    await elsewhere.start();
    const second = make();
    await expect(second.start()).rejects.toThrow(WatcherBusyError);
    await expect(second.start()).rejects.toThrow('another pingops watcher runs on this store (pid 4242 on noc-server-elsewhere)');
    await elsewhere.stop();
    const third = make();
    await third.start();
    await third.stop();
    db.close();
    await r.service.close();
  });

  it('a store write that fails is tried again: the incident and its notification are not lost', async () => {
    const r = rig((id, t) => (id === 7 && t >= MIN ? 'no_internet' : 'stable'));
    const db = testDatabase(':memory:', { logger: logger });
    const real = db.noc;
    let failures = 0;
    const store = {
      ...real,
      commit: async (...args: Parameters<typeof real.commit>) => {
        if (args[0].events.length > 0 && failures++ < 2) throw new Error('disk I/O error');
        return real.commit(...args);
      },
    };
    const outbox = createOutbox({ store, clock: r.clock, logger, notifier: { deliver: async (event, id) => void r.delivered.push({ id, event }) } });
    const watcher = createWatcher({ checker: r.service, inventory: { list: async () => CLIENTS }, store, outbox, clock: r.clock, logger, settings: SETTINGS, ratePerMin: 100 });
    await store.addWatch({ kind: 'client', ref: 7, intervalMs: MIN, channel: null }, r.clock.now());
    await watcher.start();
    await r.clock.advance(5 * MIN);
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(kinds(r.delivered)).toEqual(['opened client:7']);
    expect((await real.incidents({ openOnly: true, limit: 10 })).map((i) => i.scope)).toEqual(['client:7']);
    await stopAll({ db, outbox, watcher });
    await r.service.close();
  });

  it('a silence holds back new alerts for its scope; tracking goes on', async () => {
    const r = rig(routerTwoDown(2 * MIN, 10 * MIN));
    const parts = r.open(':memory:');
    await parts.store.addWatch({ kind: 'router', ref: 2, intervalMs: MIN, channel: null }, r.clock.now());
    await parts.store.addSilence({ scope: 'router:2', until: r.clock.now() + 60 * MIN, reason: 'maintenance', createdAt: r.clock.now() });
    await parts.watcher.start();
    await r.clock.advance(6 * MIN);
    expect(parts.watcher.status().open.map((i) => i.scope)).toEqual(['router:2']);
    await r.clock.advance(10 * MIN);
    expect(r.delivered).toEqual([]);
    expect(parts.watcher.status().open).toEqual([]);
    await stopAll(parts);
    await r.service.close();
  });
});

describe('silencing an incident from chat (its Silence button)', () => {
  it('holds reminders for its scope, is told in order through the outbox, and still lets the recovery through', async () => {
    const r = rig(routerTwoDown(2 * MIN, 150 * MIN));
    const parts = r.open(':memory:');
    await parts.store.addWatch({ kind: 'router', ref: 2, intervalMs: MIN, channel: null }, r.clock.now());
    await parts.watcher.start();
    await r.clock.until(() => r.delivered.some((d) => d.event.kind === 'opened'), 10 * MIN, 1000);
    const opened = r.delivered.find((d) => d.event.kind === 'opened')?.event;
    const id = opened && 'incident' in opened ? opened.incident.id : -1;
    expect(await parts.watcher.silenceIncident(999, 'ana', r.clock.now() + 3_600_000)).toBeNull();
    await r.clock.advance(10 * MIN);
    const until = r.clock.now() + 3_600_000;
    expect((await parts.watcher.silenceIncident(id, 'ana', until))?.scope).toBe('router:2');
    await r.clock.advance(5_000);
    const told = r.delivered.find((d) => d.event.kind === 'silenced')?.event;
    expect(told).toMatchObject({ kind: 'silenced', by: 'ana', until, incident: { id, scope: 'router:2' } });
    expect((await parts.store.silences(r.clock.now())).map((x) => x.scope)).toEqual(['router:2']);
    // NOC_REPEAT is 1 h: the reminder due while silenced is held (unsilenced there would be two); the recovery comes through.
    await r.clock.advance(3 * 3_600_000);
    expect(r.delivered.filter((d) => d.event.kind === 'reminder')).toHaveLength(1);
    expect(kinds(r.delivered).filter((k) => !k.startsWith('members_changed'))).toEqual(['opened router:2', 'silenced router:2', 'reminder router:2', 'resolved router:2']);
    const reminder = r.delivered.find((d) => d.event.kind === 'reminder')?.event;
    expect(reminder?.at).toBeGreaterThanOrEqual(until);
    await stopAll(parts);
    await r.service.close();
  });
});
