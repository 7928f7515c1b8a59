import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../src/core/client.js';
import { createPingService } from '../../src/core/ping-service.js';
import { createRequestQueue } from '../../src/core/request-queue.js';
import type { ApiVerdict } from '../../src/core/verdict.js';
import type { Directory } from '../../src/directory/types.js';
import type { IntakeAlert } from '../../src/noc/intake.js';
import { createIntakeSink, IntakeFullError } from '../../src/noc/intake-sink.js';
import { createOutbox } from '../../src/noc/outbox.js';
import { describeEvent } from '../../src/present/noc.js';
import { DEFAULT_NOC_SETTINGS, type NocEvent } from '../../src/noc/types.js';
import { createWatcher } from '../../src/noc/watcher.js';
import { testDatabase } from '../support/store.js';
import { createLogger } from '../../src/util/logger.js';
import { bareClient } from '../support/clients.js';
import { ManualClock } from '../support/manual-clock.js';
import { NetworkPingApi } from '../support/network-ping-api.js';

const MIN = 60_000;
const logger = createLogger('silent');
const POLLING = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };
/** Three clients of their own, and router 2 (RB-2) serving clients 11-20. */
const RB2 = Array.from({ length: 10 }, (_, i) => bareClient(11 + i, `Client ${11 + i}`, { zoneId: 1, zoneName: 'Zona 1', router: { id: 2, name: 'RB-2', generalFault: null } }));
const CLIENTS = new Map<number, ClientRecord>([...[1001, 1002, 1017].map((id) => bareClient(id, `Client ${id}`)), ...RB2].map((c) => [c.serviceId, c]));
const directory: Directory = {
  resolve: async (t) => (t.kind === 'service_id' && CLIENTS.has(t.serviceId) ? { kind: 'found', client: CLIENTS.get(t.serviceId) as ClientRecord } : { kind: 'not_found', target: t }),
  client: async (id) => CLIENTS.get(id) ?? null,
  suggest: async () => [],
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const firing = (target: string, source: IntakeAlert['source'] = 'alertmanager'): IntakeAlert => ({
  source,
  status: 'firing',
  target,
  key: `${source}:${target}`,
  title: source === 'alertmanager' ? 'ClientLinkDown' : `client-${target}`,
  reason: null,
  channel: null,
});

/** The real watcher, PingService and SQLite store in virtual time; `lineAt` says how each line answers. */
function rig(path: string, lineAt: (id: number, t: number) => ApiVerdict, clock = new ManualClock(Date.UTC(2026, 11, 2, 10)), inventory: ClientRecord[] = []) {
  const t0 = clock.now();
  const api = new NetworkPingApi(clock, (id, t) => lineAt(id, t - t0));
  const service = createPingService({ api, clock, logger, polling: POLLING, queue: createRequestQueue({ perMinute: 100, burst: 25, clock, max: 1000, maxWaitMs: 3_600_000 }), random: () => 0.5 });
  const db = testDatabase(path, { logger: logger });
  const store = db.noc;
  const delivered: NocEvent[] = [];
  const outbox = createOutbox({ store, clock, logger, notifier: { deliver: async (e) => void delivered.push(e) } });
  const watcher = createWatcher({ checker: service, inventory: { list: async () => inventory }, store, outbox, clock, logger, settings: { ...DEFAULT_NOC_SETTINGS, intervalMs: MIN, roundMinMs: 30_000 }, ratePerMin: 100, lookupClient: async (id) => CLIENTS.get(id) ?? null });
  const sink = createIntakeSink({ queue: db.intake, directory, watcher, clock, logger, maxPending: 5 });
  return {
    clock, api, db, store, watcher, sink, delivered,
    async stop() {
      await sink.stop();
      await watcher.stop();
      await outbox.stop();
      await service.close();
      db.close();
    },
  };
}

const kinds = (events: NocEvent[]) => events.map((e) => ('incident' in e ? `${e.kind} ${e.incident.scope}` : e.kind === 'intake_note' ? `note ${e.serviceId} ${e.why}` : e.kind));

describe('the intake sink (real watcher, PingService and SQLite store, virtual time)', () => {
  it('folds alerts for one client into one check, across payloads and sources, while that check runs', async () => {
    const r = rig(':memory:', (id) => (id === 1017 ? 'no_internet' : 'stable'));
    await r.watcher.start();
    await r.sink.accept([firing('1017'), firing('1001')]);
    await r.sink.accept([firing('client-1017', 'uptime_kuma')]);
    await r.clock.until(() => r.delivered.length >= 2, 5 * MIN, 100);
    await r.sink.idle();
    expect(r.api.creates.filter((c) => c.serviceId === 1017)).toHaveLength(1);
    expect(kinds(r.delivered).sort()).toEqual(['note 1001 answers', 'opened client:1017']);
    await r.stop();
  });

  it('answers at once and refuses past its bound (the hook then answers 503 and the sender retries)', async () => {
    const r = rig(':memory:', () => 'stable');
    await r.watcher.start();
    await r.sink.accept([firing('1001'), firing('1002'), firing('1017')]);
    await expect(r.sink.accept([firing('2001'), firing('2002'), firing('2003')])).rejects.toBeInstanceOf(IntakeFullError);
    // Accepted means stored: all three wait in the store until their checks end (none has, no time passed).
    expect((await r.db.intake.pending(10)).map((x) => x.alert.target)).toEqual(['1001', '1002', '1017']);
    await r.stop();
  });

  it('keeps accepted alerts across a restart: the next process checks them and opens the incident', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-intake-'));
    dirs.push(dir);
    const path = join(dir, 'pingops.db');
    const first = rig(path, () => 'no_internet');
    await first.watcher.start();
    await first.sink.accept([firing('1017')]);
    // Stopped before the check could finish (no virtual time passed): the alert stays in the store.
    await first.stop();
    expect(first.delivered).toEqual([]);
    const second = rig(path, () => 'no_internet');
    await second.watcher.start();
    second.sink.start();
    await second.clock.until(() => second.delivered.length >= 1, 5 * MIN, 100);
    expect(kinds(second.delivered)).toEqual(['opened client:1017']);
    await second.sink.idle();
    await second.stop();
    // Done once: a third start has nothing left to check.
    const third = rig(path, () => 'no_internet');
    await third.watcher.start();
    third.sink.start();
    await third.clock.advance(2 * MIN);
    expect(third.api.creates.filter((c) => c.serviceId === 1017).length).toBeGreaterThan(0); // the watcher follows it...
    expect(kinds(third.delivered)).toEqual([]); // ...but opens and says nothing again
    await third.stop();
  });

  it('an alert naming no known client checks nothing and leaves one note each, so a wrong label gets fixed', async () => {
    const r = rig(':memory:', () => 'stable');
    await r.watcher.start();
    await r.sink.accept([firing('9999'), firing('https://evil.example'), { ...firing('8888'), status: 'resolved' }]);
    await r.sink.idle();
    await r.clock.until(() => r.delivered.length >= 2, MIN, 100);
    expect(r.api.creates).toHaveLength(0);
    expect(r.delivered.map((e) => (e.kind === 'intake_note' ? `${e.why} ${e.label}: ${e.problem ?? ''}` : e.kind)).sort()).toEqual([
      'no_client 9999: no such client',
      'no_client https://evil.example: target does not look like a client (invalid_chars)',
    ]);
    // Done: nothing is left for the next start.
    expect(await r.db.intake.pending(10)).toEqual([]);
    await r.stop();
  });

  it('the watcher follows a reported client one by one (nobody watches it) until it answers again, then resolves it', async () => {
    const r = rig(':memory:', (id, t) => (id === 1017 && t < 5 * MIN ? 'no_internet' : 'stable'));
    await r.watcher.start();
    await r.sink.accept([firing('1017')]);
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'resolved'), 15 * MIN, 500);
    expect(kinds(r.delivered)).toEqual(['opened client:1017', 'resolved client:1017']);
    const resolved = r.delivered.at(-1);
    expect(resolved?.kind === 'resolved' && resolved.incident.notes).not.toContain('closed: no longer watched');
    expect(resolved?.at).toBeGreaterThan(Date.UTC(2026, 11, 2, 10) + 5 * MIN);
    await r.stop();
  });

  it("a reported client of a watched router makes the watcher confirm its router at once: the router's incident opens and takes the client's in", async () => {
    const r = rig(':memory:', (id, t) => (id >= 11 && id <= 20 && t >= 10_000 ? 'no_internet' : 'stable'), undefined, RB2);
    await r.store.addWatch({ kind: 'router', ref: 2, intervalMs: 10 * MIN, channel: null }, r.clock.now());
    await r.watcher.start();
    // The first round's sample (at 0 s) finds the router well; the outage starts at 10 s.
    await r.clock.advance(15_000);
    await r.sink.accept([firing('12')]);
    await r.clock.until(() => r.delivered.some((e) => e.kind === "opened" && e.incident.scope === "router:2"), 2 * MIN, 250);
    expect(kinds(r.delivered).filter((k) => !k.startsWith('members_changed'))).toEqual(['opened client:12', 'opened router:2']);
    expect(r.watcher.status().open.map((i) => i.scope)).toEqual(['router:2']);
    // The window that decided the router began with the reported client's own check.
    const router = r.delivered.find((e) => e.kind === 'opened' && e.incident.scope === 'router:2');
    expect(router?.kind === 'opened' && router.incident.members[0]?.serviceId).toBe(12);
    await r.stop();
  });

  it("cleans the sender's alert name (escape sequences, bidi and zero-width characters) before it reaches any event", async () => {
    const r = rig(':memory:', () => 'stable');
    await r.watcher.start();
    await r.sink.accept([{ ...firing('1001'), title: '\u202eClient\u200bDown\u001b[31m\u0007' }]);
    await r.clock.until(() => r.delivered.length >= 1, 2 * MIN, 100);
    const [note] = r.delivered;
    expect(note?.kind === 'intake_note' && note.title).toBe('ClientDown');
    await r.stop();
  });

  it('keeps every outside string on one line: an alert name, a monitor name and a reason with newlines become spaces (no forged event line)', async () => {
    const r = rig(':memory:', () => 'stable');
    await r.watcher.start();
    await r.sink.accept([
      { ...firing('1001'), title: 'evil\n{"level":60,"msg":"forged"}', reason: 'line one\r\nline two\u2028three' },
      { ...firing('1002', 'uptime_kuma'), title: 'client-1002\nDOWN #99 forged incident', reason: null },
    ]);
    await r.clock.until(() => r.delivered.length >= 2, 2 * MIN, 100);
    const notes = r.delivered.filter((e) => e.kind === 'intake_note');
    expect(notes.map((e) => [e.title, e.reason])).toEqual(
      expect.arrayContaining([
        ['evil {"level":60,"msg":"forged"}', 'line one line two three'],
        ['client-1002 DOWN #99 forged incident', null],
      ]),
    );
    for (const e of notes) expect(describeEvent(e)).not.toMatch(/[\r\n\u2028\u2029]/);
    await r.stop();
  });
});
