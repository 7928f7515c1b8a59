import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/fake-slack.js';
import { CLI, killStarted, MAIN, runProgram, startProgram, testEnv, type Program, until } from '../support/spawn.js';
import { readOutside, testDatabase } from '../support/store.js';
import { createTestDatabase, HAVE_POSTGRES, type TestDatabase } from '../support/postgres.js';
import { startSimulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { postSignedEvent } from '../adapters/slack/harness.js';
import { maxInWindow } from '../support/windows.js';
import { startCountingProxy } from '../support/counting-proxy.js';

// Replicas on one SQLite file (real `npm start` processes): one leader runs the NOC, the others
// are standbys that keep claiming the lease; a leader that dies is replaced within the TTL.
const TOKEN = 'replicas-hooks-token-77aa';
const SIGNING_SECRET = 'replicas-signing-secret';
const SLACK_TOKEN = 'xoxb-replicas-SecretBotToken';
const NOC = 'C0NOCROOM';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8');

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-replicas-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'pingops.db');
}

/** Short lease and NOC durations, so a take-over plays in seconds. */
const env = (db: string, extra: Record<string, string>) =>
  testEnv({
    PINGOPS_DB: db,
    PING_API_URL: 'sim',
    PING_API_RATE_PER_MIN: '6000',
    NOC_INTERVAL: '2s',
    NOC_ROUND_MIN: '1s',
    NOC_QUICK_CONFIRM: '300ms',
    PINGOPS_LEASE_TTL_MS: '4s',
    PINGOPS_LEASE_RENEW_MS: '1s',
    LOG_LEVEL: 'info',
    ...extra,
  });

async function portOf(p: Program): Promise<number> {
  await p.waitFor(/"port":\d+[^\n]*http server listening/, 'stderr', 30_000);
  return Number(/"port":(\d+)[^\n]*http server listening/.exec(p.stderr())?.[1]);
}

async function role(port: number): Promise<{ readyz: unknown; gauge: string | undefined }> {
  const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { role?: unknown };
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return { readyz: ready.role, gauge: /^pingops_leader (\d)$/m.exec(metrics)?.[1] };
}

const posted = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((c) => c.response?.body.ok === true && c.args.channel === NOC);
const hasAction = (c: SlackCall, actionId: string) => JSON.stringify(c.args.blocks ?? []).includes(`"action_id":"${actionId}"`);
const roots = (slack: FakeSlack) => posted(slack).filter((c) => c.args.thread_ts === undefined && hasAction(c, 'pingops_noc_ack'));
const threadReplies = (slack: FakeSlack, rootTs: string) => posted(slack).filter((c) => c.args.thread_ts === rootTs);

async function postSigned(port: number, body: string): Promise<void> {
  expect(await postSignedEvent(port, body, SIGNING_SECRET)).toBe(200);
}

function click(port: number, slack: FakeSlack, actionId: string, value: string, messageTs: string, channel = NOC, threadTs?: string) {
  const payload = {
    type: 'block_actions',
    user: { id: 'U123', username: 'u123', name: 'u123', team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy',
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false, ...(threadTs ? { thread_ts: threadTs } : {}) },
    trigger_id: 't.2',
    team: { id: 'T0001', domain: 'isp' },
    channel: { id: channel, name: 'noc' },
    message: { type: 'message', ts: messageTs, user: slack.botUserId, text: '…', ...(threadTs ? { thread_ts: threadTs } : {}) },
    response_url: slack.responseUrl(`click-${actionId}`),
    actions: [{ action_id: actionId, block_id: 'b', type: 'button', value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: 'x' } }],
  };
  return postSigned(port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

/** `/ping 1001` by U123 in C0PING, sent to one replica. */
const pingFrom = (port: number, slack: FakeSlack) =>
  postSigned(port, new URLSearchParams({ team_id: 'T0001', channel_id: 'C0PING', user_id: 'U123', user_name: 'tech', command: '/ping', text: '1001', api_app_id: 'A0001', response_url: slack.responseUrl('cmd'), trigger_id: 't.1' }).toString());

const buttonValue = (c: SlackCall | undefined, actionId: string): string => {
  for (const b of (c?.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const e of b.elements ?? []) if (e.action_id === actionId && e.value) return e.value;
  }
  throw new Error(`no ${actionId}`);
};

/** The text a Slack message shows, blocks and fallback text together. */
const shownText = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []) + String(c.args.text);

/** `/ping 1001` sent to one replica, followed until its status message says it polls: the root card, the status and that edit. */
async function pingUntilPolling(port: number, slack: FakeSlack): Promise<{ root: SlackCall | undefined; statusTs: string; running: SlackCall }> {
  await pingFrom(port, slack);
  const [root, status] = await until(() => {
    const posts = slack.callsTo('chat.postMessage');
    return posts.length >= 2 ? posts : undefined;
  }, 'root card and status');
  const statusTs = String(status?.response?.body.ts);
  const running = await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Waiting for the verdict/.test(shownText(c))), 'the check polling');
  return { root, statusTs, running };
}

/**
 * `kill -9` of the replica following a check, beside live replicas on the same store: `before`
 * of them started before the check (their periodic adoption passes), `after` started while it
 * runs (the pass at start). While its owner lives none of them takes the check; once it is
 * killed exactly one adopts it: the same task (one created upstream), the same status message
 * edited to the verdict, one mention in the same thread, nothing posted twice.
 */
async function killFollowerMidCheck(store: Record<string, string>, watchers: { before: number; after: number }): Promise<void> {
  const slack = await startFakeSlack();
  cleanup.push(() => slack.close());
  // A Ping API that outlives the bots, slow enough (4 packets in about 30 s) for every replica
  // to start and see the check running before its owner is killed.
  const sim = await startSimulator({ speed: 0.15, logger: silentLogger });
  cleanup.push(() => sim.close());
  const botEnv = env('', { ...store, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: sim.url, PING_RESULT_CACHE_MS: '0', LOG_LEVEL: 'debug' });
  const mentions = () => slack.callsTo('chat.postMessage').filter((c) => String(c.args.text ?? '').startsWith('<@U123>'));
  const startReplica = async () => {
    const p = startProgram(MAIN, { env: botEnv, keepOpen: true });
    await portOf(p);
    await p.waitFor('surface started', 'stderr', 30_000);
    return p;
  };

  const owner = startProgram(MAIN, { env: botEnv, keepOpen: true });
  const ownerPort = await portOf(owner);
  await owner.waitFor('surface started', 'stderr', 30_000);
  const others = await Promise.all(Array.from({ length: watchers.before }, startReplica));
  const { root, statusTs } = await pingUntilPolling(ownerPort, slack);
  others.push(...(await Promise.all(Array.from({ length: watchers.after }, startReplica))));

  // Every other replica sees the running check, twice, and leaves it alone: its owner beats.
  for (const p of others) await p.waitFor(/"unfinished":1,"adopted":0[^\n]*adoption pass[^]*"unfinished":1,"adopted":0[^\n]*adoption pass/, 'stderr', 30_000);
  for (const p of others) expect(p.stderr()).not.toContain('check adopted');
  expect(mentions()).toHaveLength(0);

  owner.signal('SIGKILL');
  await owner.exited;
  await until(() => others.find((p) => p.stderr().includes('check adopted: its owner is gone')), 'a replica adopting the check', 30_000);
  const mention = await until(() => mentions()[0], 'the verdict mention from the adopting replica', 60_000);
  expect(String(mention.args.text)).toMatch(/Stable connection/);
  expect(mention.args.thread_ts).toBe(String(root?.response?.body.ts));
  await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Stable connection/.test(shownText(c))), 'the same status message on the verdict');
  // The check is finished now, so no later pass can take it: one adoption in all, by compare-and-set.
  expect(others.map((p) => p.stderr().split('check adopted: its owner is gone').length - 1).reduce((a, b) => a + b, 0)).toBe(1);
  expect(sim.stats().tasksCreated).toBe(1);
  // Root, status, mention: nothing posted twice.
  expect(slack.callsTo('chat.postMessage')).toHaveLength(3);
  expect(mentions()).toHaveLength(1);
  for (const p of others) p.signal('SIGTERM');
  await Promise.all(others.map((p) => p.exited));
}

describe('replicas on one SQLite file', () => {
  it('a lease held by a process on another host is taken over after its TTL; meanwhile the standby stores hook alerts (202), checked once it leads', async () => {
    const db = tempDb();
    // A lease left by a process on another host (a container with a new hostname, killed): alive as far as anyone can tell.
    const seed = testDatabase(db);
    // Long enough to outlast the start of a loaded machine, so the bot is seen as a standby first.
    expect(await seed.leases.claim('noc', { id: 'gone', pid: 4242, host: 'old-container.example' }, Date.now(), 15_000, () => false)).toEqual({ ok: true });
    await seed.close();

    const bot = startProgram(MAIN, { env: env(db, { HOOKS_TOKEN: TOKEN, SIM_OUTAGES: 'client:1017@0s+1h' }), keepOpen: true });
    const port = await portOf(bot);
    expect(await role(port)).toEqual({ readyz: 'standby', gauge: '0' });
    const res = await fetch(`http://127.0.0.1:${port}/hooks/alertmanager`, {
      method: 'POST',
      body: fixture('hook-alertmanager-firing'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 202, body: { accepted: 2, skipped: [] } });

    // Never given up: the standby claims again and leads once the old lease ran out.
    await bot.waitFor(/leader: this replica runs the NOC watcher/, 'stderr', 30_000);
    await bot.waitFor(/NOC \d\d:\d\d:\d\d DOWN #1 client-1017 [^\n]*reported by Alertmanager: ClientLinkDown/, 'stdout', 30_000);
    await bot.waitFor(/NOTE Alertmanager: ClientLinkDown 1001, but the line answers: stable/, 'stdout', 30_000);
    expect(await role(port)).toEqual({ readyz: 'leader', gauge: '1' });
    expect(bot.stderr()).toContain('"holder":{"id":"gone","pid":4242,"host":"old-container.example"}');
    expect(bot.stdout()).not.toMatch(/DOWN #2/);
    bot.endInput();
    expect((await bot.exited).code).toBe(0);
  }, 90_000);

  it('two bots on one file: one leads, the other stands by; kill -9 of the leader mid-outage: the standby takes over, same root and thread, the opening once, the recovery once', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const db = tempDb();
    expect((await runProgram([...CLI, 'watch', 'add', 'router:91'], { env: testEnv({ PINGOPS_DB: db }) })).code).toBe(0);
    const slackEnv = (outage: string) => env(db, { SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, NOC_SLACK_CHANNEL: NOC, SIM_OUTAGES: outage });

    const first = startProgram(MAIN, { env: slackEnv('router:91@1s+60s'), keepOpen: true });
    const firstPort = await portOf(first);
    const root = await until(() => roots(slack)[0], 'the incident root message', 60_000);
    const rootTs = String(root.response?.body.ts);
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('is down')), 'the opening in the thread', 30_000);
    expect((await role(firstPort)).readyz).toBe('leader');

    // The outage script runs on each process's clock: the second one's ends 15 s after it starts.
    const second = startProgram(MAIN, { env: slackEnv('router:91@0s+15s'), keepOpen: true });
    const secondPort = await portOf(second);
    await second.waitFor('standby: another replica holds the lease', 'stderr', 30_000);
    expect(await role(secondPort)).toEqual({ readyz: 'standby', gauge: '0' });
    // Ack pressed on the standby: the leader acks (said in the thread, once).
    await click(secondPort, slack, 'pingops_noc_ack', buttonValue(root, 'pingops_noc_ack'), rootTs);
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('Acked by u123')), 'the ack (pressed on the standby) in the thread', 30_000);
    // The kill comes once the leader has recorded that post: a kill inside a post's round trip
    // (Slack has it, its answer not yet recorded) posts it again, by design (at least once).
    await until(() => (readOutside(db, "SELECT 1 FROM noc_post WHERE state = 'sending'").length === 0 ? true : undefined), 'the ack recorded as sent', 10_000);
    const rootsBefore = roots(slack).length;

    first.signal('SIGKILL');
    await first.exited;
    await second.waitFor(/leader: this replica runs the NOC watcher/, 'stderr', 30_000);
    expect(await role(secondPort)).toEqual({ readyz: 'leader', gauge: '1' });
    await second.waitFor('continuing open incidents', 'stderr', 10_000);
    await until(() => threadReplies(slack, rootTs).find((c) => /Back after/.test(String(c.args.text))), 'the recovery in the thread', 60_000);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && c.response?.body.ok === true && JSON.stringify(c.args.blocks ?? []).includes('Resolved at')), 'the root edited to resolved', 30_000);

    expect(rootsBefore).toBe(1);
    expect(roots(slack)).toHaveLength(1);
    const replies = threadReplies(slack, rootTs).map((c) => String(c.args.text));
    expect(replies.filter((t) => t.includes('is down'))).toHaveLength(1);
    expect(replies.filter((t) => t.includes('Back after'))).toHaveLength(1);
    expect(replies.filter((t) => t.includes('Acked by u123'))).toHaveLength(1);
    second.signal('SIGTERM');
    await second.exited;
  }, 150_000);

  it('a second live bot on the same file does not take the first one\'s check; once the first is killed it adopts it: same messages, one mention, one task', async () => {
    await killFollowerMidCheck({ PINGOPS_DB: tempDb() }, { before: 0, after: 1 });
  }, 150_000);

  it('Cancel pressed on another replica than the one following the check cancels it there: the same status message says who', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const sim = await startSimulator({ speed: 0.25, logger: silentLogger });
    cleanup.push(() => sim.close());
    const db = tempDb();
    const botEnv = env(db, { SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: sim.url, PING_RESULT_CACHE_MS: '0' });
    const first = startProgram(MAIN, { env: botEnv, keepOpen: true });
    const firstPort = await portOf(first);
    await first.waitFor('surface started', 'stderr', 30_000);
    const second = startProgram(MAIN, { env: botEnv, keepOpen: true });
    const secondPort = await portOf(second);
    await second.waitFor('surface started', 'stderr', 30_000);
    const { root, statusTs, running } = await pingUntilPolling(firstPort, slack);
    await click(secondPort, slack, 'pingops_cancel', buttonValue(running, 'pingops_cancel'), statusTs, 'C0PING', String(root?.response?.body.ts));
    await second.waitFor('cancel passed to the replica following the check', 'stderr', 20_000);
    await first.waitFor('cancel from another replica', 'stderr', 20_000);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Cancelled by u123/i.test(shownText(c))), 'the status message cancelled', 30_000);
    expect(sim.stats().tasksCreated).toBe(1);
    first.signal('SIGTERM');
    second.signal('SIGTERM');
    await Promise.all([first.exited, second.exited]);
  }, 120_000);
});

describe.skipIf(!HAVE_POSTGRES)('three replicas on one PostgreSQL database', () => {
  it('kill -9 of the leader mid-outage: a standby takes over within 30 s, exactly one root, the opening and the recovery once', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    const pgEnv = (outage: string) =>
      env('', { PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, NOC_SLACK_CHANNEL: NOC, SIM_OUTAGES: outage });
    expect((await runProgram([...CLI, 'watch', 'add', 'router:91'], { env: testEnv({ PINGOPS_DATABASE_URL: pg.url }) })).code).toBe(0);

    const leader = startProgram(MAIN, { env: pgEnv('router:91@1s+60s'), keepOpen: true });
    const leaderPort = await portOf(leader);
    const root = await until(() => roots(slack)[0], 'the incident root message', 60_000);
    const rootTs = String(root.response?.body.ts);
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('is down')), 'the opening in the thread', 30_000);
    expect((await role(leaderPort)).readyz).toBe('leader');
    // Two standbys; each one's outage script ends 20 s after it starts.
    const standbys = [startProgram(MAIN, { env: pgEnv('router:91@0s+20s'), keepOpen: true }), startProgram(MAIN, { env: pgEnv('router:91@0s+20s'), keepOpen: true })];
    const ports = await Promise.all(standbys.map((p) => portOf(p)));
    for (const p of standbys) await p.waitFor('standby: another replica holds the lease', 'stderr', 30_000);
    for (const port of ports) expect(await role(port)).toEqual({ readyz: 'standby', gauge: '0' });

    leader.signal('SIGKILL');
    await leader.exited;
    const next = await until(async () => {
      const roles = await Promise.all(ports.map((port) => role(port)));
      const leaders = roles.filter((r) => r.readyz === 'leader');
      return leaders.length > 0 ? leaders : undefined;
    }, 'a standby leading (the deadline: 30 s)', 30_000);
    expect(next).toHaveLength(1);
    await until(() => threadReplies(slack, rootTs).find((c) => /Back after/.test(String(c.args.text))), 'the recovery in the thread', 60_000);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && c.response?.body.ok === true && JSON.stringify(c.args.blocks ?? []).includes('Resolved at')), 'the root edited to resolved', 30_000);
    const gauges = await Promise.all(ports.map((port) => role(port)));
    expect(gauges.filter((g) => g.gauge === '1')).toHaveLength(1);
    expect(roots(slack)).toHaveLength(1);
    const replies = threadReplies(slack, rootTs).map((c) => String(c.args.text));
    expect(replies.filter((t) => t.includes('is down'))).toHaveLength(1);
    expect(replies.filter((t) => t.includes('Back after'))).toHaveLength(1);
    for (const p of standbys) p.signal('SIGTERM');
    await Promise.all(standbys.map((p) => p.exited));
  }, 180_000);

  it('kill -9 of a replica whose 120 verdicts wait for Slack\'s edit budget (100 in memory, 20 in the store): the other replica adopts them and ends every card and status on its verdict once; no mention twice, no new task', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    // chat.update answers 429 until the owner is dead, so every final edit is still waiting when it dies.
    let editsBlocked = true;
    slack.on('chat.update', () => (editsBlocked ? { kind: 'rate_limited', retryAfterSec: 3 } : undefined));
    const sim = await startSimulator({ speed: 4, logger: silentLogger });
    cleanup.push(() => sim.close());
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    const botEnv = env('', {
      PINGOPS_DB: '',
      PINGOPS_DATABASE_URL: pg.url,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_EDITS_PER_MIN: '1000',
      PING_API_URL: sim.url,
    });
    const owner = startProgram(MAIN, { env: botEnv, keepOpen: true });
    const ownerPort = await portOf(owner);
    await owner.waitFor('surface started', 'stderr', 30_000);
    const survivor = startProgram(MAIN, { env: botEnv, keepOpen: true });
    await portOf(survivor);
    await survivor.waitFor('surface started', 'stderr', 30_000);

    // A morning's pings: 120 people, 12 lines, at once.
    const ids = [1001, 1002, 1003, 1004, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013];
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        postSigned(ownerPort, new URLSearchParams({ team_id: 'T0001', channel_id: 'C0PING', user_id: `UMORN${i}`, user_name: `tech${i}`, command: '/ping', text: String(ids[i % ids.length]), api_app_id: 'A0001', response_url: slack.responseUrl(`m${i}`), trigger_id: `t.${i}` }).toString()),
      ),
    );
    const notices = () => slack.callsTo('chat.postMessage').filter((c) => /^<@UMORN/.test(String(c.args.text)));
    await until(() => notices().length >= 120 || undefined, 'every requester told the verdict', 60_000);
    // What the owner's operator sees: 100 conversations wait in memory, the rest in the store.
    const waiting = async () => (await (await fetch(`http://127.0.0.1:${ownerPort}/metrics`)).text()).match(/^pingops_chat_final_edits_waiting\{surface="slack",where="\w+"\} \d+$/gm);
    await until(async () => ((await waiting())?.join() === 'pingops_chat_final_edits_waiting{surface="slack",where="memory"} 100,pingops_chat_final_edits_waiting{surface="slack",where="store"} 20' ? true : undefined), 'the owner holding 100 finals in memory and 20 in the store', 30_000);
    const tasks = sim.stats().tasksCreated;
    const messages = slack.callsTo('chat.postMessage').filter((c) => !/^<@UMORN/.test(String(c.args.text))).map((c) => String(c.response?.body.ts));
    expect(messages).toHaveLength(240);
    const delivered = (ts: string) => slack.callsTo('chat.update').filter((c) => c.args.ts === ts && c.response?.status === 200 && JSON.stringify(c.args.blocks ?? []).includes('pingops_rerun'));
    expect(messages.filter((ts) => delivered(ts).length > 0)).toEqual([]);

    owner.signal('SIGKILL');
    await owner.exited;
    editsBlocked = false;
    await until(() => (messages.every((ts) => delivered(ts).length > 0) ? true : undefined), 'every card and status on its verdict', 90_000);
    await survivor.waitFor('final edits taken back from the store', 'stderr', 10_000);
    expect(survivor.stderr().split('check adopted: its owner is gone').length - 1).toBe(120);
    for (const ts of messages) {
      expect(delivered(ts), ts).toHaveLength(1);
      // Nothing after the verdict: the last edit that landed is the final one.
      const landed = slack.callsTo('chat.update').filter((c) => c.args.ts === ts && c.response?.status === 200);
      expect(landed.at(-1), ts).toBe(delivered(ts)[0]);
    }
    expect(notices()).toHaveLength(120);
    expect(new Set(notices().map((c) => /^<@(\w+)>/.exec(String(c.args.text))?.[1])).size).toBe(120);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(360);
    expect(sim.stats().tasksCreated).toBe(tasks);
    survivor.signal('SIGTERM');
    await survivor.exited;
  }, 240_000);

  it("two replicas serving one Slack workspace share its chat.update budget: in any 10 s both together send at most the burst and its refill, and the bucket's row names no token", async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const edits: number[] = [];
    slack.on('chat.update', () => {
      edits.push(Date.now());
      return undefined;
    });
    const sim = await startSimulator({ speed: 4, logger: silentLogger });
    cleanup.push(() => sim.close());
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    // 20 edits a minute for the workspace: a burst of 10, then one every 3 s.
    const botEnv = env('', { PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_EDITS_PER_MIN: '20', PING_API_URL: sim.url });
    const bots = [startProgram(MAIN, { env: botEnv, keepOpen: true }), startProgram(MAIN, { env: botEnv, keepOpen: true })];
    const ports = await Promise.all(bots.map((b) => portOf(b)));
    await Promise.all(bots.map((b) => b.waitFor('surface started', 'stderr', 30_000)));

    // Behind a load balancer: 20 people's /ping on each replica at once.
    const ids = [1001, 1002, 1003, 1004, 1006, 1007, 1008, 1009, 1010, 1011];
    await Promise.all(
      ports.flatMap((port, r) =>
        Array.from({ length: 20 }, (_, i) =>
          postSigned(port, new URLSearchParams({ team_id: 'T0001', channel_id: 'C0PING', user_id: `UEDIT${r}x${i}`, user_name: `tech${i}`, command: '/ping', text: String(ids[i % ids.length]), api_app_id: 'A0001', response_url: slack.responseUrl(`e${r}-${i}`), trigger_id: `t.${r}.${i}` }).toString()),
        ),
      ),
    );
    const notices = () => slack.callsTo('chat.postMessage').filter((c) => /^<@UEDIT/.test(String(c.args.text)));
    await until(() => notices().length >= 40 || undefined, 'every requester told the verdict', 90_000);
    await until(() => (edits.length > 0 && Date.now() - (edits[0] as number) > 12_000) || undefined, '12 s of edits', 30_000);

    // One bucket for both: in any 10 s its burst of 10 and 3.3 refilled, one more for a request in
    // transit. (A bucket per replica, as before: 26 in 10 s on this run's own schedule.)
    expect(maxInWindow(edits, 10_000)).toBeLessThanOrEqual(14);
    expect(edits.length).toBeGreaterThanOrEqual(10);
    const rows = await pg.rows<{ name: string }>("SELECT name FROM request_budget WHERE name LIKE 'slack-edits:%'");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.name).toMatch(/^slack-edits:[0-9a-f]{16}$/);
    expect(rows[0]?.name).not.toContain('SecretBotToken');
  }, 180_000);

  it('kill -9 of the replica following a check, beside two live ones (one started before the check, one while it runs): exactly one adopts it, one task upstream, one mention', async () => {
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    await killFollowerMidCheck({ PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url }, { before: 1, after: 1 });
  }, 180_000);

  /**
   * Two replicas on one database; `n` people ask the first (`leaving`), whose look-ups do not
   * come back until the test says so: the acked requests wait in the store with no check. Then
   * `leave` takes that replica away; the one staying must run each request once.
   */
  async function heldRequestsOfALeavingReplica(n: number, first: number, leave: (o: { leaving: Program; staying: Program; pg: TestDatabase }) => Promise<void>): Promise<void> {
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const sim = await startSimulator({ speed: 5, logger: silentLogger });
    cleanup.push(() => sim.close());
    const clients = new Set(Array.from({ length: n }, (_, i) => String(first + i)));
    const api = await startCountingProxy(sim.url, { park: (path) => clients.has(path.match(/\/clients\/by-service-id\/(\d+)$/)?.[1] ?? '') });
    cleanup.push(() => api.close());
    const botEnv = env('', { PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: api.url, PING_RESULT_CACHE_MS: '0', LOG_LEVEL: 'debug' });
    const [leaving, staying] = [startProgram(MAIN, { env: botEnv, keepOpen: true }), startProgram(MAIN, { env: botEnv, keepOpen: true })];
    const port = await portOf(leaving);
    await Promise.all([leaving, staying].map((p) => p.waitFor('surface started', 'stderr', 30_000)));
    const people = [...clients].map((client) => ({ user: `UHELD${client}`, client }));
    await Promise.all(
      people.map(({ user, client }) =>
        postSigned(port, new URLSearchParams({ team_id: 'T0001', channel_id: 'C0PING', user_id: user, user_name: user.toLowerCase(), command: '/ping', text: client, api_app_id: 'A0001', response_url: slack.responseUrl(user), trigger_id: 't.1' }).toString()),
      ),
    );
    const held = async () => Number((await pg.rows<{ n: string }>('SELECT COUNT(*) AS n FROM held_requests'))[0]?.n);
    await until(async () => ((await held()) === n && api.parked === n ? true : undefined), `the ${n} requests held, their look-ups waiting`);
    await leave({ leaving, staying, pg });
    api.unpark();
    const mentionsOf = (user: string) => slack.callsTo('chat.postMessage').filter((c) => String(c.args.text ?? '').startsWith(`<@${user}>`));
    await until(() => (people.every(({ user }) => mentionsOf(user).length >= 1) ? true : undefined), `a verdict for each of the ${n}`, 60_000);
    expect(staying.stderr().split('held request of a gone replica replayed').length - 1).toBe(n);
    expect(sim.stats().tasksCreated).toBe(n);
    await new Promise((r) => setTimeout(r, 500));
    expect(people.map(({ user }) => mentionsOf(user).length)).toEqual(people.map(() => 1));
    expect(await held()).toBe(0);
    staying.signal('SIGTERM');
    await staying.exited;
  }

  it('kill -9 of a replica that acked 10 people whose look-ups had not come back: the live one runs each of them once, within the lease TTL, and each person hears their verdict once', async () => {
    await heldRequestsOfALeavingReplica(10, 1201, async ({ leaving, staying }) => {
      // The live replica sees them, twice, and leaves them alone while their holder beats.
      await staying.waitFor(/"heldByOthers":10,"taken":0[^\n]*held requests pass[^]*"heldByOthers":10,"taken":0[^\n]*held requests pass/, 'stderr', 30_000);
      expect(staying.stderr()).not.toContain('held request of a gone replica');
      leaving.signal('SIGKILL');
      await leaving.exited;
    });
  }, 120_000);

  it('SIGTERM (a rolling update) of a replica that acked 5 people whose look-ups had not come back: it leaves them held and removes its heartbeat as it exits, and the live one runs each once', async () => {
    await heldRequestsOfALeavingReplica(5, 1301, async ({ leaving, pg }) => {
      const replicas = async () => Number((await pg.rows<{ n: string }>('SELECT COUNT(*) AS n FROM replicas'))[0]?.n);
      expect(await replicas()).toBe(2);
      leaving.signal('SIGTERM');
      expect((await leaving.exited).code).toBe(0);
      expect(leaving.stderr()).toContain('heartbeat removed');
      expect(await replicas()).toBe(1);
    });
  }, 120_000);
});
