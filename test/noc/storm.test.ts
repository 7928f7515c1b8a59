import { describe, expect, it } from 'vitest';
import { maxInWindow } from '../support/windows.js';
import type { ClientRecord } from '../../src/core/client.js';
import { createPingService } from '../../src/core/ping-service.js';
import { createRequestQueue } from '../../src/core/request-queue.js';
import type { ApiVerdict } from '../../src/core/verdict.js';
import type { Directory } from '../../src/directory/types.js';
import type { ExternalAlert } from '../../src/noc/engine.js';
import type { IntakeAlert } from '../../src/noc/intake.js';
import { createIntakeSink } from '../../src/noc/intake-sink.js';
import { createOutbox } from '../../src/noc/outbox.js';
import { describeEvent } from '../../src/present/noc.js';
import { planStorm, stormSampleSize } from '../../src/noc/storm.js';
import { DEFAULT_NOC_SETTINGS, type NocEvent } from '../../src/noc/types.js';
import { createWatcher } from '../../src/noc/watcher.js';
import { eventReply, renderIncident } from '../../src/present/incident.js';
import { testDatabase } from '../support/store.js';
import { createLogger } from '../../src/util/logger.js';
import { bareClient } from '../support/clients.js';
import { ManualClock } from '../support/manual-clock.js';
import { NetworkPingApi } from '../support/network-ping-api.js';

const MIN = 60_000;
const RATE = 100;
const logger = createLogger('silent');
const POLLING = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };

const router = (id: number, first: number, n: number) =>
  Array.from({ length: n }, (_, i) => bareClient(first + i, `Client ${first + i}`, { zoneId: 1, zoneName: 'Zona 1', router: { id, name: `RB-${id}`, generalFault: null } }));
/** RB-1 (40 clients, 101-140) goes down; RB-2 (30, 201-230) and RB-3 (10, 301-310) answer; 901 has no router. */
const CLIENTS: ClientRecord[] = [...router(1, 101, 40), ...router(2, 201, 30), ...router(3, 301, 10), bareClient(901, 'Lone Client')];
const BY_ID = new Map(CLIENTS.map((c) => [c.serviceId, c]));
const directory: Directory = {
  resolve: async (t) => (t.kind === 'service_id' && BY_ID.has(t.serviceId) ? { kind: 'found', client: BY_ID.get(t.serviceId) as ClientRecord } : { kind: 'not_found', target: t }),
  client: async (id) => BY_ID.get(id) ?? null,
  suggest: async () => [],
};

const am = (id: number, status: 'firing' | 'resolved' = 'firing', rule = 'ClientLinkDown'): IntakeAlert => ({
  source: 'alertmanager',
  status,
  target: String(id),
  key: `${rule}|${id}`,
  title: rule,
  reason: null,
  channel: null,
});

function rig(lineAt: (id: number, t: number) => ApiVerdict) {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 10));
  const t0 = clock.now();
  const api = new NetworkPingApi(clock, (id, t) => lineAt(id, t - t0));
  const service = createPingService({ api, clock, logger, polling: POLLING, queue: createRequestQueue({ perMinute: RATE, burst: 25, clock, max: 1000, maxWaitMs: 3_600_000 }), random: () => 0.5 });
  const db = testDatabase(':memory:', { logger });
  const store = db.noc;
  const delivered: NocEvent[] = [];
  const outbox = createOutbox({ store, clock, logger, notifier: { deliver: async (e) => void delivered.push(e) } });
  const watcher = createWatcher({ checker: service, inventory: { list: async () => CLIENTS }, store, outbox, clock, logger, settings: { ...DEFAULT_NOC_SETTINGS, intervalMs: MIN, roundMinMs: 30_000 }, ratePerMin: RATE });
  const queue = db.intake;
  const sink = createIntakeSink({ queue, directory, inventory: { list: async () => CLIENTS }, watcher, clock, logger, maxPending: 2000 });
  return {
    clock, t0, api, service, watcher, sink, queue, delivered,
    async stop() {
      await sink.stop();
      await watcher.stop();
      await outbox.stop();
      await service.close();
      db.close();
    },
  };
}

const rb1Down = (from: number, to = Infinity) => (id: number, t: number): ApiVerdict => (id >= 101 && id <= 140 && t >= from && t < to ? 'no_internet' : 'stable');

describe('planStorm: a notification split into routers sampled and lines checked one by one', () => {
  const alert = (status: 'firing' | 'resolved'): ExternalAlert => ({ status, source: 'Alertmanager', title: 'X', channel: null, lossPct: null, rttMs: null });
  const item = (serviceId: number, group: `router:${number}` | null, status: 'firing' | 'resolved' = 'firing') => ({ serviceId, group, alert: alert(status) });
  it.each([
    { name: 'three clients of a router fold', items: [item(1, 'router:1'), item(2, 'router:1'), item(3, 'router:1')], folds: ['router:1 firing 1,2,3'], singles: [] },
    { name: 'two stay single (they could never roll up)', items: [item(1, 'router:1'), item(2, 'router:1')], folds: [], singles: [1, 2] },
    { name: 'no router: single', items: [item(1, null), item(2, null), item(3, null)], folds: [], singles: [1, 2, 3] },
    { name: 'one client twice (two rules) is one line', items: [item(1, 'router:1'), item(1, 'router:1'), item(2, 'router:1')], folds: [], singles: [1, 2] },
    { name: 'firing and resolved fold apart', items: [1, 2, 3].flatMap((id) => [item(id, 'router:1'), item(id + 10, 'router:1', 'resolved')]), folds: ['router:1 firing 1,2,3', 'router:1 resolved 11,12,13'], singles: [] },
  ])('$name', ({ items, folds, singles }) => {
    const plan = planStorm(items, 3);
    expect(plan.folds.map((f) => `${f.group} ${f.status} ${f.items.map((i) => i.serviceId).join(',')}`)).toEqual(folds);
    expect(plan.singles.map((i) => i.serviceId)).toEqual(singles);
  });
  it('samples the round sample plus its confirmations, at least a roll-up, at most who alerted', () => {
    expect(stormSampleSize({ sample: 1, confirm: 5, rollupMin: 3 }, 40)).toBe(6);
    expect(stormSampleSize({ sample: 1, confirm: 1, rollupMin: 3 }, 40)).toBe(3);
    expect(stormSampleSize({ sample: 1, confirm: 5, rollupMin: 3 }, 4)).toBe(4);
  });
});

describe("the notification's one summary", () => {
  it('counts per router what answers, what only the antenna answers (the alert was right), and what could not be told', async () => {
    const { NocEngine } = await import('../../src/noc/engine.js');
    const e = new NocEngine(DEFAULT_NOC_SETTINGS, { tracks: new Map(), incidents: [], nextIncidentId: 1 });
    const note = (serviceId: number, verdict: 'stable' | 'antenna_only' | 'timed_out', why: 'answers' | 'unknown') => ({
      why, serviceId, group: 'router:2' as const, groupLabel: 'RB-2',
      note: { kind: 'intake_note' as const, why, channel: null, source: 'Alertmanager', title: 'ClientLinkDown', serviceId, label: `client-${serviceId}`, verdict, lossPct: null, rttMs: null, at: 0 },
    });
    e.intakeSummary([note(1, 'stable', 'answers'), note(2, 'stable', 'answers'), note(3, 'antenna_only', 'answers'), note(4, 'timed_out', 'unknown')], new Map([['router:2', { label: 'RB-2', count: 5 }]]), 0);
    const [summary] = e.drain().events;
    expect(summary && eventReply(summary, 'en')).toBe(
      "Alertmanager ClientLinkDown: 2 of 5 alerting lines on RB-2 answer, 1 confirmed at the premises (antenna only: the customer's device does not answer), 1 could not be told (the sender says down, our ping says they answer: no incident opened)",
    );
  });
});

describe('an alert storm through the intake (real watcher, PingService and SQLite store, virtual time)', () => {
  it('160 alerts (120 on a router that is down, 40 false alarms): one router incident listing its clients, one note, a few checks, within the NOC budget', async () => {
    const r = rig(rb1Down(0));
    await r.watcher.start();
    // RB-1's 40 clients alerted by three rules each; 40 false alarms on RB-2 (30) and RB-3 (10).
    const rb1 = CLIENTS.filter((c) => c.router?.id === 1).flatMap((c) => ['ClientLinkDown', 'ClientSnmpDown', 'ClientHighLoss'].map((rule) => am(c.serviceId, 'firing', rule)));
    const falseAlarms = CLIENTS.filter((c) => c.router?.id === 2 || c.router?.id === 3).map((c) => am(c.serviceId));
    const payload = [...rb1, ...falseAlarms];
    expect(payload).toHaveLength(160);
    await r.sink.accept(payload);
    // Every alert is in the store until its notification is done.
    expect(await r.queue.pending(1000)).toHaveLength(160);
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'intake_summary'), 10 * MIN, 250);
    await r.sink.idle();

    const opened = r.delivered.filter((e) => e.kind === 'opened');
    expect(opened.map((e) => e.kind === 'opened' && e.incident.scope)).toEqual(['router:1']);
    const incident = opened[0]?.kind === 'opened' ? opened[0].incident : null;
    // Every alerting client of RB-1 is listed: the sample with its verdicts, the rest as alerting.
    expect(incident?.members.map((m) => m.serviceId).sort((a, b) => a - b)).toEqual(CLIENTS.filter((c) => c.router?.id === 1).map((c) => c.serviceId));
    expect(incident?.members.filter((m) => m.verdict === 'no_internet')).toHaveLength(6);
    expect(incident?.notes).toContain('40 clients alerting (Alertmanager: ClientLinkDown)');
    expect(incident?.reportedBy).toBe('Alertmanager: ClientLinkDown');
    const root = renderIncident(incident as NonNullable<typeof incident>, 'en', r.clock.now());
    expect(root.title).toMatch(/^RB-1 \(Zona 1\) down · 6 of 6 checked/);

    // One note for the 40 false alarms, not 40.
    const notes = r.delivered.filter((e) => e.kind === 'intake_note' || e.kind === 'intake_summary');
    expect(notes).toHaveLength(1);
    const [summary] = notes;
    expect(summary?.kind === 'intake_summary' && eventReply(summary, 'en')).toBe(
      'Alertmanager ClientLinkDown: 30 of 30 alerting lines on RB-2 (Zona 1) answer; 10 of 10 alerting lines on RB-3 (Zona 1) answer (the sender says down, our ping says they answer: no incident opened)',
    );
    expect(summary?.kind === 'intake_summary' && eventReply(summary, 'es')).toMatch(/^Alertmanager ClientLinkDown: 30 de 30 líneas alertadas en RB-2 \(Zona 1\) responden; 10 de 10/);
    expect(describeEvent(summary as NocEvent)).toMatch(/^\d\d:\d\d:\d\d NOTE Alertmanager ClientLinkDown: 30 of 30 alerting lines/);

    // 6 checks of RB-1 (and the rounds' sample of it since: the watcher follows it now) and one
    // per false alarm: under 50 tasks, not 160 (nor 80 clients).
    const onRb1 = r.api.creates.filter((c) => c.serviceId <= 140);
    const rounds = r.watcher.status().round;
    expect(onRb1.length).toBeGreaterThanOrEqual(6);
    expect(onRb1.length).toBeLessThanOrEqual(6 + rounds);
    expect(r.api.creates.filter((c) => c.serviceId > 140)).toHaveLength(40);
    expect(new Set(r.api.creates.filter((c) => c.serviceId > 140).map((c) => c.serviceId)).size).toBe(40);
    // Within the NOC's half of the budget in every minute.
    expect(maxInWindow(r.api.requests, MIN)).toBeLessThanOrEqual(RATE * DEFAULT_NOC_SETTINGS.budgetPct / 100);
    // Nothing dropped: every alert was reported and is done in the store.
    expect(await r.queue.pending(1000)).toEqual([]);
    await r.stop();
  });

  it('an Uptime Kuma burst (one webhook per monitor, dozens at once) folds the same way', async () => {
    const r = rig(rb1Down(0));
    await r.watcher.start();
    const kuma = (id: number): IntakeAlert => ({ source: 'uptime_kuma', status: 'firing', target: String(id), key: `kuma:${id}`, title: `client-${id}`, reason: 'timeout', channel: null });
    const monitors = [...CLIENTS.filter((c) => c.router?.id === 1).slice(0, 30), ...CLIENTS.filter((c) => c.router?.id === 3)];
    await Promise.all(monitors.map((c) => r.sink.accept([kuma(c.serviceId)])));
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'intake_summary'), 10 * MIN, 250);
    await r.sink.idle();
    expect(r.delivered.filter((e) => e.kind === 'opened').map((e) => e.kind === 'opened' && `${e.incident.scope} ${e.incident.members.length}`)).toEqual(['router:1 30']);
    const notes = r.delivered.filter((e) => e.kind === 'intake_note' || e.kind === 'intake_summary');
    expect(notes.map((e) => eventReply(e, 'en'))).toEqual([
      'Uptime Kuma: 10 of 10 alerting lines on RB-3 (Zona 1) answer (the sender says down, our ping says they answer: no incident opened)',
    ]);
    expect(r.api.creates.filter((c) => c.serviceId <= 140).length).toBeLessThanOrEqual(6 + r.watcher.status().round);
    expect(await r.queue.pending(100)).toEqual([]);
    await r.stop();
  });

  it("a person's check during the storm goes ahead of the storm's checks", async () => {
    const r = rig(rb1Down(0));
    await r.watcher.start();
    await r.sink.accept(CLIENTS.filter((c) => c.router?.id === 2 || c.router?.id === 3).map((c) => am(c.serviceId)));
    await r.clock.advance(20_000);
    const createsBefore = r.api.creates.length;
    const person = r.service.check(901, { priority: 'interactive', fresh: true });
    let verdictAt: number | null = null;
    void person.done.then(() => (verdictAt = r.clock.now()));
    const askedAt = r.clock.now();
    await r.clock.until(() => verdictAt !== null, 2 * MIN, 100);
    // Its task was the next one created, and it ended in the time a quiet day gives a 4-packet task.
    expect(r.api.creates[createsBefore]?.serviceId).toBe(901);
    expect((verdictAt ?? Infinity) - askedAt).toBeLessThan(POLLING.timeoutMs / 4);
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'intake_summary'), 10 * MIN, 250);
    await r.stop();
  });

  it('the router recovers: the sender resolves its alerts, a sample re-checks it, the incident ends with one reply in its thread', async () => {
    const r = rig(rb1Down(0, 3 * MIN));
    await r.watcher.start();
    const rb1 = CLIENTS.filter((c) => c.router?.id === 1);
    await r.sink.accept(rb1.map((c) => am(c.serviceId)));
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'opened'), 5 * MIN, 250);
    // A second notification of the same router while it is down joins the incident: no check.
    const before = r.api.creates.length;
    await r.sink.accept(rb1.map((c) => am(c.serviceId, 'firing', 'ClientSnmpDown')));
    await r.sink.idle();
    expect(r.api.creates.length).toBe(before);
    expect(r.delivered.filter((e) => e.kind === 'opened')).toHaveLength(1);

    await r.clock.advance(3 * MIN - (r.clock.now() - r.t0) + 1000);
    await r.sink.accept(rb1.map((c) => am(c.serviceId, 'resolved')));
    await r.clock.until(() => r.delivered.some((e) => e.kind === 'intake_group_resolved'), 5 * MIN, 250);
    await r.sink.idle();
    const kinds = r.delivered.map((e) => e.kind).filter((k) => k !== 'members_changed');
    expect(kinds.filter((k) => k === 'resolved')).toHaveLength(1);
    const reply = r.delivered.find((e) => e.kind === 'intake_group_resolved');
    expect(reply && eventReply(reply, 'en')).toBe('Alertmanager ClientLinkDown: 40 alerts resolved; re-checked 6, all answer');
    expect(r.watcher.status().open).toEqual([]);
    await r.stop();
  });
});
