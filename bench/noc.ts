/**
 * `npm run bench -- noc`: the NOC watcher in virtual time against a modelled network, next to a
 * naive one-client-at-a-time sweep under the same budget. 2,000 clients on 40 routers, `all`
 * watched, 100 req/min at 50 %, three simulated hours, one router outage (50 clients, 20 min),
 * three flapping clients and 30 suspended ones. Both run through the real PingService (poll
 * schedule, request budget) and count every request its Ping API receives.
 */
import type { ClientRecord } from '../src/core/client.js';
import { createPingService } from '../src/core/ping-service.js';
import type { ApiVerdict } from '../src/core/verdict.js';
import { createOutbox } from '../src/noc/outbox.js';
import { createWatcher } from '../src/noc/watcher.js';
import { DEFAULT_NOC_SETTINGS, type NocEvent, type NocSettings } from '../src/noc/types.js';
import { hashInt, seededRandom } from '../src/sim/seeded.js';
import type { PingopsDatabase } from '../src/app.js';
import { openDatabase } from '../src/store/open.js';
import { createLogger } from '../src/util/logger.js';
import { createRequestQueue } from '../src/core/request-queue.js';
import { ManualClock } from '../test/support/manual-clock.js';
import { NetworkPingApi } from '../test/support/network-ping-api.js';

const MIN = 60_000;
const HOURS = 3;
const CLIENTS = 2000;
const ROUTERS = 40;
const RATE = 100;
const FIRST_ID = 10_000;
const POLLING = { packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 };

interface Scenario {
  start: number;
  outageRouter: number;
  outageFrom: number;
  outageTo: number;
  flapping: Set<number>;
  suspended: Set<number>;
  clients: ClientRecord[];
}

function scenario(run: number, start: number): Scenario {
  const r = seededRandom(hashInt(run, 99));
  const clients: ClientRecord[] = [];
  const suspended = new Set<number>();
  while (suspended.size < 30) suspended.add(FIRST_ID + Math.floor(r() * CLIENTS));
  const flapping = new Set<number>();
  while (flapping.size < 3) {
    const id = FIRST_ID + Math.floor(r() * CLIENTS);
    if (!suspended.has(id)) flapping.add(id);
  }
  for (let i = 0; i < CLIENTS; i++) {
    const id = FIRST_ID + i;
    const router = Math.floor(i / (CLIENTS / ROUTERS)) + 1;
    const zone = Math.floor((router - 1) / 5) + 1;
    clients.push({
      serviceId: id, name: `Client ${id}`, document: null, phone: null, address: null, city: null, locality: null,
      paymentStatus: suspended.has(id) ? 'suspended' : 'active', zoneId: zone, antennaIp: null, cutOffDate: null,
      outstandingBalance: null, lanInterface: null, planName: null, planPrice: null, technicianId: null,
      router: { id: router, name: `RB-${router}`, generalFault: null }, sector: null, zoneName: `Zona ${zone}`,
    });
  }
  const outageRouter = 1 + Math.floor(r() * ROUTERS);
  const outageFrom = start + 40 * MIN + Math.floor(r() * 60 * MIN);
  return { start, outageRouter, outageFrom, outageTo: outageFrom + 20 * MIN, flapping, suspended, clients };
}

/** What a line answers at `t`: the outage, flapping (8 min down, 4 up, for two hours), holds, else its nature. */
function lineAt(s: Scenario, serviceId: number, t: number): ApiVerdict {
  const i = serviceId - FIRST_ID;
  const router = Math.floor(i / (CLIENTS / ROUTERS)) + 1;
  if (router === s.outageRouter && t >= s.outageFrom && t < s.outageTo) return 'no_internet';
  if (s.suspended.has(serviceId)) return 'no_internet';
  if (s.flapping.has(serviceId)) {
    const since = t - s.start - 20 * MIN;
    if (since >= 0 && since < 120 * MIN && since % (12 * MIN) < 8 * MIN) return 'no_internet';
    return 'stable';
  }
  const roll = hashInt(serviceId, 5) % 100;
  return roll < 3 ? 'intermittent' : roll < 5 ? 'antenna_only' : 'stable';
}

/** The most requests in any 60 s window. */
function peakPerMinute(times: number[]): number {
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] ?? 0) - (times[lo] ?? 0) >= MIN) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

export interface NocRunResult {
  alerts: number;
  routerIncidents: number;
  flappingNotices: number;
  falseAlerts: number;
  detectionMs: number | null;
  recoveryMs: number | null;
  recoveryRounds: number | null;
  roundMs: number;
  peakPerMin: number;
  avgPerMin: number;
  summary: string;
  eventKinds: Record<string, number>;
  requestsPerCheck: number;
  /** Flapping clients that some check (sample or follow-up) caught in a down phase. */
  flappersSeenDown?: number;
  flapperChecks?: number;
}

async function runWatcher(run: number, settings: NocSettings, thriftyBackground = true): Promise<NocRunResult> {
  const polling = POLLING;
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 8));
  const s = scenario(run, clock.now());
  const logger = createLogger('silent');
  const api = new NetworkPingApi(clock, (id, t) => lineAt(s, id, t), run + 1);
  const queue = createRequestQueue({ perMinute: RATE, burst: RATE / 4, clock, max: 100_000, maxWaitMs: 3_600_000 });
  const service = createPingService({ api, clock, logger, polling, queue, thriftyBackground, random: seededRandom(run + 7) });
  const db: PingopsDatabase = await openDatabase({ store: { path: ':memory:', retentionDays: 30 } }, logger);
  const store = db.noc;
  await store.addWatch({ kind: 'all', ref: null, intervalMs: settings.intervalMs, channel: null }, clock.now());
  const delivered: NocEvent[] = [];
  const outbox = createOutbox({ store, clock, logger, notifier: { deliver: async (e) => void delivered.push(e) } });
  const watcher = createWatcher({ checker: service, inventory: { list: async () => s.clients }, store, outbox, clock, logger, settings, ratePerMin: RATE });
  await watcher.start();
  await clock.advance(HOURS * 60 * MIN);
  const status = watcher.status();
  await watcher.stop();
  await outbox.flush();
  await outbox.stop();
  await service.close();
  await db.close();

  const routerScope = `router:${s.outageRouter}`;
  const opened = delivered.filter((e) => e.kind === 'opened');
  const flaps = delivered.filter((e) => e.kind === 'flapping');
  const reminders = delivered.filter((e) => e.kind === 'reminder');
  const routerOpen = opened.find((e) => e.incident.scope === routerScope && e.at >= s.outageFrom);
  const routerResolved = delivered.find((e) => e.kind === 'resolved' && e.incident.scope === routerScope);
  const legit = (scope: string) => scope === routerScope || [...s.flapping].some((id) => scope === `client:${id}`);
  const falseAlerts =
    opened.filter((e) => !legit(e.incident.scope)).length + flaps.filter((e) => !legit(e.scope)).length + reminders.filter((e) => !legit(e.incident.scope)).length;
  const recoveryMs = routerResolved ? routerResolved.at - s.outageTo : null;
  const kinds: Record<string, number> = {};
  for (const e of delivered) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const minutes = (HOURS * 60);
  return {
    alerts: opened.length + flaps.length + reminders.length,
    routerIncidents: opened.filter((e) => e.incident.scope.startsWith('router:')).length,
    flappingNotices: flaps.length,
    falseAlerts,
    detectionMs: routerOpen ? routerOpen.at - s.outageFrom : null,
    recoveryMs,
    recoveryRounds: recoveryMs === null ? null : recoveryMs / status.plannedRoundMs,
    roundMs: status.plannedRoundMs,
    peakPerMin: peakPerMinute(api.requests),
    avgPerMin: Math.round((api.requests.length / minutes) * 10) / 10,
    summary: status.summary,
    requestsPerCheck: api.requests.length / Math.max(1, api.creates.length),
    flappersSeenDown: [...s.flapping].filter((id) => api.creates.some((c) => c.serviceId === id && lineAt(s, id, c.at) === 'no_internet')).length,
    flapperChecks: api.creates.filter((c) => s.flapping.has(c.serviceId)).length,
    eventKinds: kinds,
  };
}

/** The naive sweep: every client in turn, one check at a time, paced to the same share; an alert per change. */
async function runNaive(run: number): Promise<NocRunResult> {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 8));
  const s = scenario(run, clock.now());
  const logger = createLogger('silent');
  const api = new NetworkPingApi(clock, (id, t) => lineAt(s, id, t), run + 1);
  const queue = createRequestQueue({ perMinute: RATE, burst: RATE / 4, clock, max: 100_000, maxWaitMs: 3_600_000 });
  const service = createPingService({ api, clock, logger, polling: POLLING, queue, random: seededRandom(run + 7) });
  const share = RATE / 2;
  const down = new Set<number>();
  const alerts: { at: number; serviceId: number; kind: 'down' | 'up' }[] = [];
  const end = clock.now() + HOURS * 60 * MIN;
  let stop = false;
  const loop = (async () => {
    let cost = 3;
    for (let i = 0; !stop; i = (i + 1) % CLIENTS) {
      const started = clock.now();
      const done = await service.check(FIRST_ID + i, { priority: 'background', fresh: true }).done;
      if (stop) break;
      const id = FIRST_ID + i;
      const isDown = done.verdict === 'no_internet' || done.verdict === 'failed';
      if (isDown && !down.has(id)) alerts.push({ at: clock.now(), serviceId: id, kind: 'down' });
      if (!isDown && down.has(id)) alerts.push({ at: clock.now(), serviceId: id, kind: 'up' });
      if (isDown) down.add(id);
      else down.delete(id);
      cost = 1 + done.polls;
      const wait = started + (cost / share) * MIN - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
  })();
  await clock.advance(end - clock.now());
  stop = true;
  await clock.advance(60_000);
  await loop;
  await service.close();
  const inRouter = (id: number) => Math.floor((id - FIRST_ID) / (CLIENTS / ROUTERS)) + 1 === s.outageRouter;
  const downs = alerts.filter((a) => a.kind === 'down');
  const first = downs.find((a) => inRouter(a.serviceId) && a.at >= s.outageFrom && a.at < s.outageTo + MIN);
  const recovered = alerts.find((a) => a.kind === 'up' && inRouter(a.serviceId) && a.at >= s.outageTo);
  const legit = (a: { serviceId: number; at: number }) => (inRouter(a.serviceId) && a.at >= s.outageFrom) || s.flapping.has(a.serviceId);
  const minutes = HOURS * 60;
  const sweepMs = (CLIENTS * 3 / share) * MIN;
  return {
    alerts: downs.length,
    routerIncidents: 0,
    flappingNotices: 0,
    falseAlerts: downs.filter((a) => !legit(a)).length,
    detectionMs: first ? first.at - s.outageFrom : null,
    recoveryMs: recovered ? recovered.at - s.outageTo : null,
    recoveryRounds: recovered ? (recovered.at - s.outageTo) / sweepMs : null,
    roundMs: sweepMs,
    peakPerMin: peakPerMinute(api.requests),
    avgPerMin: Math.round((api.requests.length / minutes) * 10) / 10,
    summary: `${CLIENTS} clients one at a time; one sweep every ${Math.round(sweepMs / MIN)} min`,
    eventKinds: { down: downs.length, up: alerts.length - downs.length },
    requestsPerCheck: api.requests.length / Math.max(1, api.creates.length),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? null) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmtMin = (ms: number | null) => (ms === null ? 'never' : `${(ms / MIN).toFixed(1)} min`);

export async function benchNoc(runs = 5): Promise<void> {
  const settings: NocSettings = { ...DEFAULT_NOC_SETTINGS };
  const ours: NocRunResult[] = [];
  const naive: NocRunResult[] = [];
  for (let run = 0; run < runs; run++) {
    ours.push(await runWatcher(run, settings));
    naive.push(await runNaive(run));
  }
  console.log(`plan (pingops): ${ours[0]?.summary}`);
  console.log(`plan (naive):   ${naive[0]?.summary}`);
  const row = (name: string, r: NocRunResult[]) => ({
    sweep: name,
    alerts_sent: r.map((x) => x.alerts).join(' / '),
    router_incidents: r.map((x) => x.routerIncidents).join(' / '),
    flapping_notices: r.map((x) => x.flappingNotices).join(' / '),
    false_alerts: r.map((x) => x.falseAlerts).join(' / '),
    detection_median: fmtMin(median(r.filter((x) => x.detectionMs !== null).map((x) => x.detectionMs as number))),
    detected: `${r.filter((x) => x.detectionMs !== null).length} of ${r.length}`,
    recovery_rounds_max: r.some((x) => x.recoveryRounds === null) ? 'never (some run)' : Math.max(...r.map((x) => x.recoveryRounds as number)).toFixed(2),
    peak_req_per_min: Math.max(...r.map((x) => x.peakPerMin)),
    avg_req_per_min: (r.reduce((n, x) => n + x.avgPerMin, 0) / r.length).toFixed(1),
  });
  console.table([row('pingops', ours), row('naive', naive)]);
  console.log('events per run (pingops):', ours.map((x) => x.eventKinds));
  console.log(
    'flapping clients found down by a check (of 3), per run:',
    ours.map((x) => x.flappersSeenDown).join(' / '),
    '· checks of them in 3 h:',
    ours.map((x) => x.flapperChecks).join(' / '),
  );
  const flaps = ours.map((x) => x.flappingNotices);
  const goals: [string, boolean][] = [
    ['alerts: exactly 1 router incident (every run)', ours.every((x) => x.routerIncidents === 1)],
    [`alerts: 3 flapping notices (every run; got ${flaps.join(' / ')})`, flaps.every((n) => n === 3)],
    ['alerts: nothing else (every run)', ours.every((x) => x.alerts === x.routerIncidents + x.flappingNotices)],
    [`detection: median under 3 min (${fmtMin(median(ours.map((x) => x.detectionMs ?? Infinity)))})`, (median(ours.map((x) => x.detectionMs ?? Infinity)) ?? Infinity) < 3 * MIN],
    ['recovery posted within 2 rounds of the restore (every run)', ours.every((x) => x.recoveryRounds !== null && x.recoveryRounds <= 2)],
    [`API requests per minute never above 50 (peak ${Math.max(...ours.map((x) => x.peakPerMin))})`, ours.every((x) => x.peakPerMin <= 50)],
    ['false alerts: 0', ours.every((x) => x.falseAlerts === 0)],
  ];
  for (const [goal, met] of goals) console.log(`${met ? 'MET    ' : 'NOT MET'}  ${goal}`);

  // How NOC_SAMPLE's default was chosen: the same runs with 1, 2 and 3 clients per router and round.
  const bySample = [];
  for (const sample of [1, 2, 3]) {
    const rs = sample === settings.sample ? ours : [];
    for (let run = rs.length; run < runs; run++) rs.push(await runWatcher(run, { ...settings, sample }));
    bySample.push({
      NOC_SAMPLE: sample,
      round: fmtMin(median(rs.map((x) => x.roundMs))),
      detection_median: fmtMin(median(rs.map((x) => x.detectionMs ?? Infinity))),
      detection_worst: fmtMin(Math.max(...rs.map((x) => x.detectionMs ?? Infinity))),
      recovery_median: fmtMin(median(rs.map((x) => x.recoveryMs ?? Infinity))),
      flapping_found: rs.map((x) => x.flappingNotices).join(' / '),
      false_alerts: rs.reduce((n, x) => n + x.falseAlerts, 0),
    });
  }
  console.log('\nNOC_SAMPLE (clients per router and round), same runs:');
  console.table(bySample);

  // What the background schedule buys: sweeps' checks poll once where the task has surely ended
  // (nobody waits for them), against polling them like a person's check.
  const eager: NocRunResult[] = [];
  for (let run = 0; run < runs; run++) eager.push(await runWatcher(run, settings, false));
  console.log("\nSweeps' checks on the background schedule (one poll at the end of the likely window) and on people's schedule, same runs:");
  console.table([row('pingops (background schedule)', ours), row("pingops (people's schedule)", eager)]);
  console.log('requests per check:', (ours.reduce((n, x) => n + x.requestsPerCheck, 0) / runs).toFixed(2), 'vs', (eager.reduce((n, x) => n + x.requestsPerCheck, 0) / runs).toFixed(2));
}
