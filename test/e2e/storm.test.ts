import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioFor } from '../../src/sim/scenarios.js';
import { simClient } from '../../src/sim/clients.js';
import { createOutageScript } from '../../src/sim/outages.js';
import { startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/util/logger.js';
import { postSignedEvent } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/fake-slack.js';
import { startCountingProxy } from '../support/counting-proxy.js';
import { maxInWindow } from '../support/windows.js';
import { killStarted, MAIN, startProgram, testEnv, type Program, until } from '../support/spawn.js';

// An alert storm through `npm start`: a real-sized Alertmanager notification (a router that is
// down and false alarms on others) and an Uptime Kuma burst, against the fake Slack and the
// simulator speaking WispHub (whose routers serve whole zones), behind a proxy that counts every
// request the bot sends upstream.
const TOKEN = 'storm-hooks-token-7c1e';
const SIGNING_SECRET = 'storm-signing-secret';
const NOC = 'C0STORM';
const RATE = 300;
const DOWN_ZONE = 3;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

const fixture = JSON.parse(readFileSync(new URL('../fixtures/hook-alertmanager-firing.json', import.meta.url), 'utf8')) as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
const today = new Date().toISOString().slice(0, 10);
/** Active simulator clients of a zone whose own line answers (stable), so only the outage is down. */
const clientsOf = (zone: number) => {
  const out: number[] = [];
  for (let id = 1000; id <= 1999; id++) {
    const c = simClient(id, today);
    if (c?.zone_id === zone && c.payment_status === 'active' && scenarioFor(id)?.outcome === 'stable') out.push(id);
  }
  return out;
};

/** One Alertmanager alert in the fixture's shape, for a client and a rule. */
function amAlert(serviceId: number, rule: string, i: number): Record<string, unknown> {
  const [template] = fixture.alerts;
  return {
    ...template,
    labels: { alertname: rule, severity: 'page', job: 'blackbox-icmp', instance: `10.20.${Math.floor(i / 250)}.${i % 250}`, service_id: String(serviceId) },
    annotations: { summary: `CPE of service ${serviceId} does not answer ICMP`, description: 'probe_success == 0 for 2m' },
    fingerprint: (serviceId * 7919 + rule.length).toString(16).padStart(16, '0'),
  };
}

async function startUpstream() {
  const sim = await startSimulator({
    dialect: 'wisphub',
    auth: 'key',
    speed: 50,
    outages: createOutageScript([{ target: { kind: 'zone', id: DOWN_ZONE }, fromMs: 0, forMs: 3_600_000, flapMs: null }], Date.now()),
    logger: createLogger('silent'),
  });
  const proxy = await startCountingProxy(sim.url);
  cleanup.push(() => sim.close(), () => proxy.close());
  return { sim, proxy, key: sim.credentials.apiKey ?? '' };
}

async function startBot(slack: FakeSlack, upstream: { proxy: { url: string }; key: string }): Promise<{ bot: Program; port: number; db: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-storm-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const bot = startProgram(MAIN, {
    env: testEnv({
      PINGOPS_DB: join(dir, 'pingops.db'),
      WISPHUB_API_URL: upstream.proxy.url,
      WISPHUB_API_KEY: upstream.key,
      PING_API_RATE_PER_MIN: String(RATE),
      PING_PACKET_MS: '50',
      HOOKS_TOKEN: TOKEN,
      SLACK_BOT_TOKEN: 'xoxb-storm-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      NOC_SLACK_CHANNEL: NOC,
      LOG_LEVEL: 'info',
    }),
    keepOpen: true,
  });
  await bot.waitFor('http server listening', 'stderr', 30_000);
  const line = bot.stderr().split('\n').find((l) => l.includes('http server listening')) ?? '';
  await bot.waitFor('surface started', 'stderr', 30_000);
  return { bot, port: (JSON.parse(line) as { port: number }).port, db: join(dir, 'pingops.db') };
}

const posted = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((c) => c.response?.body.ok === true && c.args.channel === NOC);
const hasAction = (c: SlackCall, id: string) => JSON.stringify(c.args.blocks ?? []).includes(`"action_id":"${id}"`);
const roots = (slack: FakeSlack) => posted(slack).filter((c) => c.args.thread_ts === undefined && hasAction(c, 'pingops_noc_ack'));
const channelNotes = (slack: FakeSlack) => posted(slack).filter((c) => c.args.thread_ts === undefined && !hasAction(c, 'pingops_noc_ack'));
const shown = (c: SlackCall | undefined) => `${String(c?.args.text ?? '')}\n${JSON.stringify(c?.args.blocks ?? [])}`;

async function slashPing(port: number, slack: FakeSlack, text: string): Promise<void> {
  const body = new URLSearchParams({ team_id: 'T0001', channel_id: 'C0TECH', user_id: 'U123', command: '/ping', text, api_app_id: 'A0001', response_url: slack.responseUrl('tech'), trigger_id: 't.1' }).toString();
  expect(await postSignedEvent(port, body, SIGNING_SECRET)).toBe(200);
}

const hook = async (port: number, path: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}/hooks/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** The store, read after the bot stopped: every accepted alert done, the incidents as kept. */
function storeOf(path: string): { intake: { done: number; pending: number }; incidents: { scope: string; members: number[] }[] } {
  const db = new Database(path, { readonly: true });
  try {
    const intake = db.prepare('SELECT SUM(done_at IS NOT NULL) AS done, SUM(done_at IS NULL) AS pending FROM noc_intake').get() as { done: number; pending: number };
    const incidents = (db.prepare('SELECT scope, body FROM noc_incident ORDER BY id').all() as { scope: string; body: string }[]).map((r) => ({
      scope: r.scope,
      members: (JSON.parse(r.body) as { members: { serviceId: number }[] }).members.map((m) => m.serviceId),
    }));
    return { intake, incidents };
  } finally {
    db.close();
  }
}

describe('an alert storm through npm start (fake Slack, WispHub simulator behind a counting proxy)', () => {
  it('Alertmanager, 160 alerts in one notification (120 on a router that is down, 40 false alarms): one incident, one note, within the budget; a /ping in the middle goes ahead', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const upstream = await startUpstream();
    const { bot, port, db } = await startBot(slack, upstream);

    // Zone 3's router is down: its lines alerted by two rules each, up to 120 alerts; 40 false alarms elsewhere.
    const down = clientsOf(DOWN_ZONE).slice(0, 60);
    expect(down).toHaveLength(60);
    const falseAlarms = [...clientsOf(5).slice(0, 25), ...clientsOf(7).slice(0, 15)];
    const alerts = [
      ...down.flatMap((id, i) => [amAlert(id, 'ClientLinkDown', 2 * i), amAlert(id, 'ClientSnmpDown', 2 * i + 1)]),
      ...falseAlarms.map((id, i) => amAlert(id, 'ClientLinkDown', 200 + i)),
    ];
    expect(alerts).toHaveLength(160);
    const payload = { ...fixture, alerts };
    expect(JSON.stringify(payload).length).toBeGreaterThan(64 * 1024);
    // The reader folds one client's two rules into one alert (one line, one check): 100 stored.
    const accepted = await hook(port, 'alertmanager', payload);
    expect(accepted).toMatchObject({ status: 202, body: { accepted: down.length + falseAlarms.length, skipped: [] } });

    // A technician's /ping in the middle of it: its verdict comes, and its task went ahead of the storm's.
    await until(() => upstream.proxy.seen.filter((s) => s.method === 'POST').length >= 5 || undefined, 'the storm under way', 30_000);
    const createsBefore = upstream.proxy.seen.filter((s) => s.method === 'POST').length;
    await slashPing(port, slack, '1001');
    const verdict = await until(() => slack.callsTo('chat.postMessage').find((c) => String(c.args.text).startsWith('<@U123>')), 'the /ping verdict', 60_000);
    expect(String(verdict.args.text)).toContain('Stable connection');
    const creates = upstream.proxy.seen.filter((s) => s.method === 'POST');
    const mine = creates.findIndex((s) => s.path.includes('/1001/'));
    // At most the storm's checks already leaving when it came (the watcher's few in flight) went before it.
    expect(mine - createsBefore).toBeLessThanOrEqual(3);

    // One incident for the router that is down, listing its alerting clients; one note for the false alarms.
    const root = await until(() => roots(slack)[0], 'the router incident', 60_000);
    expect(shown(root)).toMatch(/RB-3[^\n]* down · \d+ of \d+ checked/);
    const note = await until(() => channelNotes(slack).find((c) => String(c.args.text).includes('alerting lines')), 'the summary note', 120_000);
    expect(String(note.args.text)).toMatch(/^Alertmanager ClientLinkDown: 25 of 25 alerting lines on RB-5[^;]* answer; 15 of 15 alerting lines on RB-7 \([^)]*\) answer \(the sender says down/);
    await until(() => (bot.stderr().includes('"msg":"alerts of one notification checked"') ? true : undefined), 'the notification done', 120_000);
    expect(roots(slack)).toHaveLength(1);
    expect(channelNotes(slack)).toHaveLength(1);

    // Folded: a few checks of the router and one per false alarm, not one per alert.
    const tasks = upstream.proxy.seen.filter((s) => s.method === 'POST' && /\/ping\/?$/.test(s.path));
    expect(tasks.length).toBeLessThan(60);
    // The upstream budget was never exceeded in any minute.
    expect(maxInWindow(upstream.proxy.seen.map((s) => s.at), 60_000)).toBeLessThanOrEqual(RATE);

    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    // Nothing dropped: every alert done in the store, every alerting line of the router in its incident.
    const store = storeOf(db);
    expect(store.intake).toEqual({ done: down.length + falseAlarms.length, pending: 0 });
    expect(store.incidents.map((i) => i.scope)).toEqual([`router:${DOWN_ZONE}`]);
    expect([...(store.incidents[0]?.members ?? [])].sort()).toEqual([...down].sort());
  }, 180_000);

  it('Uptime Kuma, one webhook per monitor, dozens at once: the same one incident and one note', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const upstream = await startUpstream();
    const { bot, port, db } = await startBot(slack, upstream);
    const kuma = JSON.parse(readFileSync(new URL('../fixtures/hook-uptime-kuma-down.json', import.meta.url), 'utf8')) as { heartbeat: object; monitor: { tags: object[] } };
    const monitor = (id: number, k: number) => ({
      heartbeat: { ...kuma.heartbeat, monitorID: k },
      monitor: { ...kuma.monitor, id: k, name: `client-${id} CPE`, pathName: `Clientes / client-${id} CPE`, hostname: `10.20.3.${k}`, tags: [{ ...kuma.monitor.tags[0], monitor_id: k, value: String(id) }] },
      msg: `[client-${id} CPE] [🔴 Down] timeout of 48000ms exceeded`,
    });
    const down = clientsOf(DOWN_ZONE).slice(0, 30);
    const falseAlarms = clientsOf(5).slice(0, 10);
    const answers = await Promise.all([...down, ...falseAlarms].map((id, k) => hook(port, 'uptime-kuma', monitor(id, k + 1))));
    expect(answers.every((a) => a.status === 202)).toBe(true);

    const root = await until(() => roots(slack)[0], 'the router incident', 60_000);
    expect(shown(root)).toMatch(/RB-3[^\n]* down/);
    const note = await until(() => channelNotes(slack).find((c) => String(c.args.text).includes('alerting lines')), 'the summary note', 120_000);
    expect(String(note.args.text)).toMatch(/^Uptime Kuma: 10 of 10 alerting lines on RB-5 \([^)]*\) answer \(/);
    await until(() => (bot.stderr().includes('"msg":"alerts of one notification checked"') ? true : undefined), 'the burst done', 120_000);
    expect(roots(slack)).toHaveLength(1);
    expect(channelNotes(slack)).toHaveLength(1);
    expect(maxInWindow(upstream.proxy.seen.map((s) => s.at), 60_000)).toBeLessThanOrEqual(RATE);

    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    const store = storeOf(db);
    expect(store.intake).toEqual({ done: 40, pending: 0 });
    expect(store.incidents.map((i) => i.scope)).toEqual([`router:${DOWN_ZONE}`]);
    expect([...(store.incidents[0]?.members ?? [])].sort()).toEqual([...down].sort());
  }, 180_000);
});
