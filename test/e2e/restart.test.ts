import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { postSignedEvent } from '../adapters/slack/harness.js';
import { ANA, BRUNO, FAKE_APP_ID, FAKE_CHANNEL_ID, startFakeDiscord, type RestCall } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/fake-slack.js';
import { startCountingProxy } from '../support/counting-proxy.js';
import { killStarted, MAIN, startProgram, testEnv, type Program, until } from '../support/spawn.js';
import { readOutside } from '../support/store.js';

// `kill -9` in the middle of a check, then `npm start` again on the same PINGOPS_DB: the check
// resumes on its task, the same messages end on the verdict, the requester is told once.
const SIGNING_SECRET = 'restart-signing-secret';
const SLACK_TOKEN = 'xoxb-restart-SecretBotToken';
const DISCORD_TOKEN = 'restart-discord-SecretToken';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});


/** A Ping API that outlives the bot (as the ISP's does): tasks of 4 packets take about 4-5 s. */
async function pingApi(): Promise<Simulator> {
  const sim = await startSimulator({ speed: 1, logger: silentLogger });
  cleanup.push(() => sim.close());
  return sim;
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-restart-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'pingops.db');
}

async function httpPort(bot: Program): Promise<number> {
  await bot.waitFor('http server listening', 'stderr');
  const line = bot.stderr().split('\n').find((l) => l.includes('http server listening')) ?? '';
  // /slack/events is mounted once the surface has started.
  await bot.waitFor('surface started', 'stderr');
  return (JSON.parse(line) as { port: number }).port;
}

async function postSigned(port: number, body: string): Promise<void> {
  expect(await postSignedEvent(port, body, SIGNING_SECRET)).toBe(200);
}

const slashCommand = (port: number, slack: FakeSlack, text: string) =>
  postSigned(
    port,
    new URLSearchParams({ team_id: 'T0001', channel_id: 'C0NOC', user_id: 'U123', user_name: 'tech', command: '/ping', text, api_app_id: 'A0001', response_url: slack.responseUrl('cmd'), trigger_id: 't.1' }).toString(),
  );

function click(port: number, slack: FakeSlack, actionId: string, value: string, at: { messageTs: string; threadTs: string; user: string }) {
  const payload = {
    type: 'block_actions',
    user: { id: at.user, username: at.user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy',
    container: { type: 'message', message_ts: at.messageTs, channel_id: 'C0NOC', is_ephemeral: false, thread_ts: at.threadTs },
    trigger_id: 't.2',
    team: { id: 'T0001', domain: 'isp' },
    channel: { id: 'C0NOC', name: 'noc' },
    message: { type: 'message', ts: at.messageTs, thread_ts: at.threadTs, user: slack.botUserId, text: '…' },
    response_url: slack.responseUrl('click'),
    actions: [{ action_id: actionId, block_id: 'b', type: 'button', value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: 'x' } }],
  };
  return postSigned(port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const shown = (c: SlackCall | undefined) => `${String(c?.args.text ?? '')}\n${JSON.stringify(c?.args.blocks ?? [])}`;
const mentionsOf = (slack: FakeSlack, user = 'U123') => slack.callsTo('chat.postMessage').filter((c) => String(c.args.text ?? '').startsWith(`<@${user}>`));
const buttonValue = (c: SlackCall | undefined, actionId: string): string => {
  for (const b of (c?.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const e of b.elements ?? []) if (e.action_id === actionId && e.value) return e.value;
  }
  throw new Error(`no ${actionId} in ${shown(c)}`);
};

describe('kill -9 mid-check and start again', () => {
  it('Slack: the same root and status messages end on the verdict, one mention, no second task; buttons of the old messages work', async () => {
    const [slack, sim] = await Promise.all([startFakeSlack(), pingApi()]);
    cleanup.push(() => slack.close());
    const env = testEnv({
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PING_API_URL: sim.url,
      PINGOPS_DB: tempDb(),
      PING_RESULT_CACHE_MS: '0',
    });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await slashCommand(await httpPort(first), slack, '1001');
    const [root, status] = await until(() => {
      const posts = slack.callsTo('chat.postMessage');
      return posts.length >= 2 ? posts : undefined;
    }, 'root card and status');
    const rootTs = String(root?.response?.body.ts);
    const statusTs = String(status?.response?.body.ts);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Waiting for the verdict/.test(shown(c))), 'the check polling');
    first.signal('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(mentionsOf(slack)).toHaveLength(0);
    expect(sim.stats().tasksCreated).toBe(1);

    const second = startProgram(MAIN, { env, keepOpen: true });
    const port = await httpPort(second);
    const mention = await until(() => mentionsOf(slack)[0], 'the verdict mention after the restart');
    expect(String(mention.args.text)).toMatch(/Stable connection/);
    expect(mention.args.thread_ts).toBe(rootTs);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Stable connection/.test(shown(c))), 'the same status message on the verdict');
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && /Stable connection/.test(shown(c))), 'the same root card on the verdict');
    expect(sim.stats().tasksCreated).toBe(1);
    // Root, status, mention: nothing posted twice.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(mentionsOf(slack)).toHaveLength(1);

    // Re-run on the status message posted by the killed process.
    const finalStatus = slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).at(-1);
    await click(port, slack, 'pingops_rerun', buttonValue(finalStatus, 'pingops_rerun'), { messageTs: statusTs, threadTs: rootTs, user: 'U555' });
    const again = await until(() => mentionsOf(slack, 'U555')[0], 'the re-run verdict', 20_000);
    expect(again.args.thread_ts).toBe(rootTs);
    expect(sim.stats().tasksCreated).toBe(2);
    second.signal('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 60_000);

  it('Slack: Cancel on a status message of the killed process cancels the resumed check', async () => {
    const [slack, sim] = await Promise.all([startFakeSlack(), pingApi()]);
    cleanup.push(() => slack.close());
    const env = testEnv({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: sim.url, PINGOPS_DB: tempDb() });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await slashCommand(await httpPort(first), slack, '1005'); // never finishes
    const status = await until(() => slack.callsTo('chat.postMessage')[1], 'status');
    const rootTs = String(status.args.thread_ts);
    const statusTs = String(status.response?.body.ts);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Waiting for the verdict/.test(shown(c))), 'the check polling');
    const cancel = buttonValue(status, 'pingops_cancel');
    first.signal('SIGKILL');
    await first.exited;

    const second = startProgram(MAIN, { env, keepOpen: true });
    const port = await httpPort(second);
    await second.waitFor('check resumed', 'stderr');
    await click(port, slack, 'pingops_cancel', cancel, { messageTs: statusTs, threadTs: rootTs, user: 'U123' });
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Cancelled/.test(shown(c))), 'the old message cancelled');
    expect(sim.stats().tasksCreated).toBe(1);
    second.signal('SIGTERM');
    await second.exited;
  }, 60_000);

  it('Slack: SIGTERM with a check still running past the grace leaves it for the next start, not cancelled', async () => {
    const [slack, sim] = await Promise.all([startFakeSlack(), pingApi()]);
    cleanup.push(() => slack.close());
    const env = testEnv({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: sim.url, PINGOPS_DB: tempDb() });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await slashCommand(await httpPort(first), slack, '1005'); // never finishes
    const status = await until(() => slack.callsTo('chat.postMessage')[1], 'status');
    const statusTs = String(status.response?.body.ts);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === statusTs && /Waiting for the verdict/.test(shown(c))), 'the check polling');
    first.signal('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(slack.callsTo('chat.update').some((c) => /Cancelled/.test(shown(c)))).toBe(false);
    expect(mentionsOf(slack)).toHaveLength(0);

    const second = startProgram(MAIN, { env, keepOpen: true });
    await second.waitFor('check resumed', 'stderr');
    const resumed = second.stderr().split('\n').find((l) => l.includes('check resumed')) ?? '{}';
    expect(JSON.parse(resumed)).toMatchObject({ serviceId: 1005, resumedTask: true });
    expect(sim.stats().tasksCreated).toBe(1);
    second.signal('SIGTERM');
    await second.exited;
  }, 60_000);

  it('Slack: a /ping that comes in while the process stops is kept: the person is told so, and the next start runs it', async () => {
    const [slack, sim] = await Promise.all([startFakeSlack(), pingApi()]);
    cleanup.push(() => slack.close());
    const db = tempDb();
    const env = testEnv({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: sim.url, PINGOPS_DB: db });
    const first = startProgram(MAIN, { env, keepOpen: true });
    const port = await httpPort(first);
    // A check in flight keeps the stopping process up for its grace.
    await slashCommand(port, slack, '1005');
    await until(() => slack.callsTo('chat.update').find((c) => /Waiting for the verdict/.test(shown(c))), 'the check polling');
    first.signal('SIGTERM');
    await first.waitFor('shutting down', 'stderr');
    await postSigned(
      port,
      new URLSearchParams({ team_id: 'T0001', channel_id: 'C0NOC', user_id: 'ULATE', user_name: 'late', command: '/ping', text: '1001', api_app_id: 'A0001', response_url: slack.responseUrl('late'), trigger_id: 't.9' }).toString(),
    );
    expect((await first.exited).code).toBe(0);
    const told = slack.callsTo('response_url').filter((c) => c.responseId === 'late');
    expect(told.map((c) => String(c.args.text))).toEqual([expect.stringMatching(/restarting: your request is kept and runs as soon as pingops is back/)]);
    expect(mentionsOf(slack, 'ULATE')).toHaveLength(0);
    expect((readOutside(db, 'SELECT COUNT(*) AS n FROM held_requests')[0] as { n: number }).n).toBe(1);

    const second = startProgram(MAIN, { env, keepOpen: true });
    const mention = await until(() => mentionsOf(slack, 'ULATE')[0], 'the kept request\'s verdict after the restart', 30_000);
    expect(String(mention.args.text)).toMatch(/Stable connection/);
    expect(second.stderr().split('\n').filter((l) => l.includes('held request of a gone replica replayed'))).toHaveLength(1);
    // 1005 resumed on its task, 1001 started once.
    expect(sim.stats().tasksCreated).toBe(2);
    second.signal('SIGTERM');
    await second.exited;
  }, 60_000);

  it('Discord: the same reply ends on the verdict (edited as a channel message), one mention, no second task', async () => {
    const [discord, sim] = await Promise.all([startFakeDiscord({ token: DISCORD_TOKEN }), pingApi()]);
    cleanup.push(() => discord.close());
    const env = testEnv({ DISCORD_TOKEN, DISCORD_APPLICATION_ID: FAKE_APP_ID, DISCORD_API_URL: discord.apiUrl, PING_API_URL: sim.url, PINGOPS_DB: tempDb() });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await discord.whenReady();
    const sent = discord.sendCommand({ client: '1001' }, { user: ANA });
    const original = new RegExp(`^/webhooks/${FAKE_APP_ID}/${sent.token}/messages/@original$`);
    await discord.waitForCall('PATCH', original, (c) => JSON.stringify(c.body).includes('Waiting for the verdict'), 15_000);
    const messageId = discord.originalMessageId(sent.token);
    first.signal('SIGKILL');
    await first.exited;

    const mentions = () => discord.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c: RestCall) => String((c.body as { content?: string }).content).startsWith(`<@${ANA.id}>`));
    expect(mentions()).toHaveLength(0);
    const second = startProgram(MAIN, { env, keepOpen: true });
    await until(() => (discord.identifies.length >= 2 ? true : undefined), 'the second login');
    const final = await discord.waitForCall('PATCH', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages/${messageId}$`), (c) => JSON.stringify(c.body).includes('Stable connection'), 20_000);
    expect(JSON.stringify(final.body)).toMatch(/pingops:rerun:[0-9a-f]{16}/);
    await until(() => mentions()[0], 'the mention');
    await new Promise((r) => setTimeout(r, 500));
    expect(mentions()).toHaveLength(1);
    expect((mentions()[0]?.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], users: [ANA.id] });
    expect(sim.stats().tasksCreated).toBe(1);

    // Re-run on the reply the killed process posted.
    const rerunId = /pingops:rerun:[0-9a-f]{16}/.exec(JSON.stringify(final.body))?.[0] ?? '';
    const click2 = discord.sendButton(rerunId, messageId ?? '', { user: BRUNO });
    await discord.waitForCall('PATCH', new RegExp(`^/webhooks/${FAKE_APP_ID}/${click2.token}/messages/@original$`), (c) => JSON.stringify(c.body).includes('Stable connection'), 20_000);
    expect(sim.stats().tasksCreated).toBe(2);
    second.signal('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 60_000);
});

/**
 * `n` people acked at once (clients from `first` on); the look-ups of the last `waiting` do not
 * come back while the first process runs. It is killed once the others' checks have their tasks
 * and those `waiting` are all that the store still holds; the next start must follow the running
 * checks and run the waiting requests, each person's check once. (`waiting` stays under the
 * Ping API's 32 requests in flight, which hung look-ups would otherwise fill.)
 */
async function killMidBurst(n: number, first: number, waiting: number): Promise<void> {
  const [slack, sim] = await Promise.all([startFakeSlack(), startSimulator({ speed: 5, logger: silentLogger })]);
  cleanup.push(() => slack.close(), () => sim.close());
  const running = n - waiting;
  const parked = new Set(Array.from({ length: waiting }, (_, i) => String(first + running + i)));
  const api = await startCountingProxy(sim.url, { park: (path) => parked.has(path.match(/\/clients\/by-service-id\/(\d+)$/)?.[1] ?? '') });
  cleanup.push(() => api.close());
  const db = tempDb();
  const env = testEnv({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PING_API_URL: api.url, PINGOPS_DB: db, PING_RESULT_CACHE_MS: '0', PING_API_RATE_PER_MIN: String(Math.max(3000, n * 150)) });
  const people = Array.from({ length: n }, (_, i) => ({ user: `UBURST${i}`, client: String(first + i) }));
  const firstRun = startProgram(MAIN, { env, keepOpen: true });
  const port = await httpPort(firstRun);
  await Promise.all(
    people.map(({ user, client }) =>
      postSigned(
        port,
        new URLSearchParams({ team_id: 'T0001', channel_id: 'C0NOC', user_id: user, user_name: user.toLowerCase(), command: '/ping', text: client, api_app_id: 'A0001', response_url: slack.responseUrl(user), trigger_id: 't.1' }).toString(),
      ),
    ),
  );
  // Every ack went out (postSigned saw 200).
  const count = (sql: string) => (readOutside(db, sql)[0] as { n: number }).n;
  await until(() => (count('SELECT COUNT(*) AS n FROM checks WHERE task_id IS NOT NULL') === running && count('SELECT COUNT(*) AS n FROM held_requests') === waiting && api.parked >= waiting ? true : undefined), `${running} checks running, ${waiting} requests held`, 60_000);
  firstRun.signal('SIGKILL');
  await firstRun.exited;
  const rootsBefore = slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts).length;
  expect(rootsBefore).toBe(running);

  api.unpark();
  const second = startProgram(MAIN, { env, keepOpen: true });
  await until(() => (people.every(({ user }) => mentionsOf(slack, user).length >= 1) ? true : undefined), `a verdict for each of the ${n}`, 60_000);
  expect(second.stderr().split('\n').filter((l) => l.includes('held request of a gone replica replayed'))).toHaveLength(waiting);
  // Each person's check once: one task, one root card, one verdict mention in its thread.
  expect(sim.stats().tasksCreated).toBe(people.length);
  const roots = slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts);
  expect(roots.map((c) => String(c.args.text).match(/· (\d{4})\b/)?.[1]).sort()).toEqual(people.map((p) => p.client).sort());
  for (const { user } of people) {
    const [mention] = mentionsOf(slack, user);
    expect(roots.some((r) => r.response?.body.ts === mention?.args.thread_ts)).toBe(true);
  }
  await new Promise((r) => setTimeout(r, 500));
  expect(people.map(({ user }) => mentionsOf(slack, user).length)).toEqual(people.map(() => 1));
  expect(count('SELECT COUNT(*) AS n FROM held_requests')).toBe(0);
  // What an operator's dashboard shows of it: every one of them taken over, none lost.
  const metrics = await (await fetch(`http://127.0.0.1:${await httpPort(second)}/metrics`)).text();
  expect(metrics).toContain(`pingops_held_requests_total{surface="slack",outcome="replayed"} ${waiting}\n`);
  expect(metrics).toContain('pingops_held_requests_total{surface="slack",outcome="dropped"} 0\n');
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8', timeout: 30_000 });
  expect({ status: lint.status, out: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({ status: 0, out: '' });
  second.signal('SIGTERM');
  expect((await second.exited).code).toBe(0);
}

describe('kill -9 in the middle of a burst', () => {
  it('Slack: 20 people acked at once, 10 checks running and 10 still waiting for their look-up when the process dies: the next start follows the 10 and runs the 10 others, each person hears their verdict once', async () => {
    await killMidBurst(20, 1101, 10);
  }, 90_000);

  it('Slack, a morning\'s pings: 200 people acked at once, killed with 180 checks running and 20 look-ups out: the next start follows the 180 and runs the 20, each of the 200 hears their verdict once', async () => {
    await killMidBurst(200, 1201, 20);
  }, 180_000);

  it('Discord: a /ping deferred ("thinking…") whose look-up had not come back when the process died: the next start answers it in the same reply, one task, one mention', async () => {
    const [discord, sim] = await Promise.all([startFakeDiscord({ token: DISCORD_TOKEN }), startSimulator({ speed: 5, logger: silentLogger })]);
    cleanup.push(() => discord.close(), () => sim.close());
    const api = await startCountingProxy(sim.url, { park: (path) => path.endsWith('/clients/by-service-id/1301') });
    cleanup.push(() => api.close());
    const db = tempDb();
    const env = testEnv({ DISCORD_TOKEN, DISCORD_APPLICATION_ID: FAKE_APP_ID, DISCORD_API_URL: discord.apiUrl, PING_API_URL: api.url, PINGOPS_DB: db });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await discord.whenReady();
    const sent = discord.sendCommand({ client: '1301' }, { user: ANA });
    const callbacks = () => discord.callsTo('POST', new RegExp(`^/interactions/\\d+/${sent.token}/callback$`));
    await until(() => (callbacks().length === 1 ? true : undefined), 'the deferral');
    expect((callbacks()[0]?.body as { type?: number }).type).toBe(5);
    const count = (sql: string) => (readOutside(db, sql)[0] as { n: number }).n;
    await until(() => (count('SELECT COUNT(*) AS n FROM held_requests') === 1 && api.parked === 1 ? true : undefined), 'the request held, its look-up waiting');
    first.signal('SIGKILL');
    await first.exited;
    // What a person must not be left with: the token is in the store only while the request is.
    expect(readOutside(db, 'SELECT body FROM held_requests').map((r) => JSON.stringify(r))).toEqual([expect.stringContaining(sent.token)]);

    api.unpark();
    const second = startProgram(MAIN, { env, keepOpen: true });
    const original = new RegExp(`^/webhooks/${FAKE_APP_ID}/${sent.token}/messages/@original$`);
    const final = await discord.waitForCall('PATCH', original, (c) => JSON.stringify(c.body).includes('pingops:rerun:'), 30_000);
    expect(JSON.stringify(final.body)).toContain('1301');
    const mentions = () => discord.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c: RestCall) => String((c.body as { content?: string }).content).startsWith(`<@${ANA.id}>`));
    await until(() => mentions()[0], 'the mention');
    await new Promise((r) => setTimeout(r, 500));
    expect(mentions()).toHaveLength(1);
    expect(sim.stats().tasksCreated).toBe(1);
    // Answered through the stored token: no second first answer, which Discord would refuse.
    expect(callbacks()).toHaveLength(1);
    expect(count('SELECT COUNT(*) AS n FROM held_requests')).toBe(0);
    // The token never reaches the log.
    expect(second.stderr()).not.toContain(sent.token);
    second.signal('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);
});
