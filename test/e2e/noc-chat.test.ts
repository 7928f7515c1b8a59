import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postSignedEvent } from '../adapters/slack/harness.js';
import { ANA, FAKE_APP_ID, FAKE_CHANNEL_ID, startFakeDiscord, type RestCall } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/fake-slack.js';
import { CLI, killStarted, MAIN, runProgram, startProgram, testEnv, type Program, until } from '../support/spawn.js';

// `npm start` with a NOC channel, on the simulator's scripted router outage: one root message
// per incident, every update in its thread, one recovery, the root ends resolved; a kill -9 in
// the middle changes none of that; Ack, Silence (admins only) and a 429 storm.
const SIGNING_SECRET = 'noc-signing-secret';
const SLACK_TOKEN = 'xoxb-noc-SecretBotToken';
const DISCORD_TOKEN = 'noc-discord-SecretToken';
const NOC = 'C0NOCROOM';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});


function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-noc-chat-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'pingops.db');
}

/** Short NOC durations and a generous rate, so an outage plays in seconds on the simulator. */
const nocEnv = (db: string, extra: Record<string, string>) =>
  testEnv({
    PINGOPS_DB: db,
    PING_API_URL: 'sim',
    PING_API_RATE_PER_MIN: '6000',
    NOC_INTERVAL: '2s',
    NOC_ROUND_MIN: '1s',
    NOC_QUICK_CONFIRM: '300ms',
    LOG_LEVEL: 'info',
    ...extra,
  });

async function watchRouter91(db: string): Promise<void> {
  const r = await runProgram([...CLI, 'watch', 'add', 'router:91'], { env: testEnv({ PINGOPS_DB: db }) });
  expect(r.code).toBe(0);
}

async function httpPort(bot: Program): Promise<number> {
  await bot.waitFor('http server listening', 'stderr', 30_000);
  const line = bot.stderr().split('\n').find((l) => l.includes('http server listening')) ?? '';
  await bot.waitFor('surface started', 'stderr', 30_000);
  return (JSON.parse(line) as { port: number }).port;
}

async function postSigned(port: number, body: string, type = 'application/x-www-form-urlencoded'): Promise<void> {
  expect(await postSignedEvent(port, body, SIGNING_SECRET, type)).toBe(200);
}

function click(port: number, slack: FakeSlack, actionId: string, value: string, at: { rootTs: string; user: string; responseId: string }) {
  const payload = {
    type: 'block_actions',
    user: { id: at.user, username: at.user.toLowerCase(), name: at.user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy',
    container: { type: 'message', message_ts: at.rootTs, channel_id: NOC, is_ephemeral: false },
    trigger_id: 't.2',
    team: { id: 'T0001', domain: 'isp' },
    channel: { id: NOC, name: 'noc' },
    message: { type: 'message', ts: at.rootTs, user: slack.botUserId, text: '…' },
    response_url: slack.responseUrl(at.responseId),
    actions: [{ action_id: actionId, block_id: 'b', type: 'button', value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: 'x' } }],
  };
  return postSigned(port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

function mention(port: number, text: string, threadTs: string) {
  const ts = `1800000000.${String(Date.now() % 1_000_000).padStart(6, '0')}`;
  return postSigned(
    port,
    JSON.stringify({
      token: 'legacy',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: `EvNOC${Date.now()}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_mention', user: 'U123', text, ts, channel: NOC, event_ts: ts, thread_ts: threadTs },
    }),
    'application/json',
  );
}

const shown = (c: SlackCall | undefined) => `${String(c?.args.text ?? '')}\n${JSON.stringify(c?.args.blocks ?? [])}`;
const hasAction = (c: SlackCall, actionId: string) => JSON.stringify(c.args.blocks ?? []).includes(`"action_id":"${actionId}"`);
const buttonValue = (c: SlackCall, actionId: string): string => {
  for (const b of (c.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    for (const e of b.elements ?? []) if (e.action_id === actionId && e.value) return e.value;
  }
  throw new Error(`no ${actionId} in ${shown(c)}`);
};
/** Posts that answered ok (a 429 posted nothing). */
const posted = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((c) => c.response?.body.ok === true && c.args.channel === NOC);
const roots = (slack: FakeSlack) => posted(slack).filter((c) => c.args.thread_ts === undefined && hasAction(c, 'pingops_noc_ack'));
const threadReplies = (slack: FakeSlack, rootTs: string) => posted(slack).filter((c) => c.args.thread_ts === rootTs);
const broadcast = (c: SlackCall) => c.args.reply_broadcast === true || c.args.reply_broadcast === 'true';

function slackEnv(slack: FakeSlack, db: string, extra: Record<string, string> = {}) {
  return nocEnv(db, {
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    NOC_SLACK_CHANNEL: NOC,
    PINGOPS_ADMINS: 'UADMIN',
    ...extra,
  });
}

describe('NOC incidents in Slack (npm start, fake Slack, simulator outage)', () => {
  it('one root, updates only in its thread, Ack and Silence (admins only), kill -9 in the middle, one recovery, the root ends resolved', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const db = tempDb();
    await watchRouter91(db);
    const first = startProgram(MAIN, { env: slackEnv(slack, db, { SIM_OUTAGES: 'router:91@2s+60s' }), keepOpen: true });
    const port = await httpPort(first);

    const root = await until(() => roots(slack)[0], 'the incident root message');
    const rootTs = String(root.response?.body.ts);
    expect(shown(root)).toMatch(/RB-9\.1 \(Zona 9\) down · \d+ of \d+ checked · since \d\d:\d\d \(\d+ s\)/);
    expect(hasAction(root, 'pingops_noc_silence') && hasAction(root, 'pingops_noc_check')).toBe(true);
    const opened = await until(() => threadReplies(slack, rootTs)[0], 'the first thread reply');
    expect(String(opened.args.text)).toMatch(/RB-9\.1 \(Zona 9\) is down/);
    expect(broadcast(opened)).toBe(true);

    // Ack by anyone: named in the thread, the root says so and loses its Ack button.
    await click(port, slack, 'pingops_noc_ack', buttonValue(root, 'pingops_noc_ack'), { rootTs, user: 'U123', responseId: 'ack' });
    const ackReply = await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('Acked by u123')), 'the ack in the thread');
    expect(broadcast(ackReply)).toBe(false);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && shown(c).includes('Acked by u123') && !hasAction(c, 'pingops_noc_ack')), 'the root edited to acked');

    // Silence: refused privately for a non-admin, done for PINGOPS_ADMINS.
    await click(port, slack, 'pingops_noc_silence', buttonValue(root, 'pingops_noc_silence'), { rootTs, user: 'U123', responseId: 'silence-tech' });
    const refusal = await until(() => slack.calls.find((c) => c.method === 'response_url' && c.responseId === 'silence-tech'), 'the private refusal');
    expect(refusal.raw).toContain('ask an admin');
    expect(threadReplies(slack, rootTs).some((c) => String(c.args.text).includes('Silenced'))).toBe(false);
    await click(port, slack, 'pingops_noc_silence', buttonValue(root, 'pingops_noc_silence'), { rootTs, user: 'UADMIN', responseId: 'silence-admin' });
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('Silenced by uadmin until')), 'the silence in the thread');

    // Check now: a fresh check of the members, results in the thread.
    await click(port, slack, 'pingops_noc_check', buttonValue(root, 'pingops_noc_check'), { rootTs, user: 'U123', responseId: 'check' });
    const fresh = await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('Fresh check:')), 'the fresh check in the thread');
    expect(String(fresh.args.text)).toMatch(/^client-\d+ .+: 🔴 No internet$/m);

    // @pingops ping inside the incident thread answers in that thread.
    const before = posted(slack).length;
    await mention(port, `<@${slack.botUserId}> ping 1001`, rootTs);
    await until(() => posted(slack).slice(before).find((c) => c.args.thread_ts === rootTs && shown(c).includes('1001')), 'the ping answered in the incident thread');

    first.signal('SIGKILL');
    await first.exited;
    const repliesBefore = threadReplies(slack, rootTs).length;

    // The outage goes on across the restart (the script runs on the new process's clock), then ends.
    const second = startProgram(MAIN, { env: slackEnv(slack, db, { SIM_OUTAGES: 'router:91@0s+5s' }), keepOpen: true });
    const back = await until(() => threadReplies(slack, rootTs).find((c) => /✅ Back after \d+/.test(String(c.args.text))), 'the recovery in the thread', 60_000);
    expect(broadcast(back)).toBe(true);
    const final = await until(
      () => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && c.response?.body.ok === true && shown(c).includes('Resolved at')),
      'the root edited to resolved',
    );
    expect(JSON.stringify(final.args.blocks)).not.toContain('"type":"actions"');
    expect(shown(final)).toMatch(/RB-9\.1 \(Zona 9\) back after \d+/);

    // Exactly one root, everything else in its thread, one opening, one recovery.
    expect(roots(slack)).toHaveLength(1);
    const replies = threadReplies(slack, rootTs);
    expect(replies.length).toBeGreaterThan(repliesBefore);
    expect(posted(slack).filter((c) => c.args.thread_ts !== rootTs && c !== root)).toEqual([]);
    expect(replies.filter((c) => String(c.args.text).includes('is down'))).toHaveLength(1);
    expect(replies.filter((c) => String(c.args.text).includes('Back after'))).toHaveLength(1);
    expect(replies.filter(broadcast)).toHaveLength(2);
    expect(slack.callsTo('chat.update').every((c) => c.args.ts === rootTs || c.args.channel !== NOC || threadReplies(slack, rootTs).some((r) => r.response?.body.ts === c.args.ts))).toBe(true);
    second.endInput();
    second.signal('SIGTERM');
    await second.exited;
  }, 150_000);

  it('a 429 storm during the outage delays updates but still delivers the open and the recovery', async () => {
    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    // Posts and edits into the NOC channel are refused 8 times each (Retry-After 1 s) before Slack lets any through.
    slack.on('chat.postMessage', (c) => (c.args.channel === NOC ? { kind: 'rate_limited', retryAfterSec: 1 } : undefined), 8);
    slack.on('chat.update', (c) => (c.args.channel === NOC ? { kind: 'rate_limited', retryAfterSec: 1 } : undefined), 8);
    const db = tempDb();
    await watchRouter91(db);
    const bot = startProgram(MAIN, { env: slackEnv(slack, db, { SIM_OUTAGES: 'router:91@1s+6s' }), keepOpen: true });
    await httpPort(bot);
    const root = await until(() => roots(slack)[0], 'the incident root message', 60_000);
    const rootTs = String(root.response?.body.ts);
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('is down')), 'the opening reply', 60_000);
    await until(() => threadReplies(slack, rootTs).find((c) => String(c.args.text).includes('Back after')), 'the recovery reply', 90_000);
    await until(() => slack.callsTo('chat.update').find((c) => c.args.ts === rootTs && c.response?.body.ok === true && shown(c).includes('Resolved at')), 'the root resolved', 60_000);
    const refused = slack.calls.filter((c) => c.response?.status === 429);
    expect(refused.length).toBe(16);
    expect(roots(slack)).toHaveLength(1);
    bot.signal('SIGTERM');
    await bot.exited;
  }, 200_000);
});

describe('NOC incidents in Discord (npm start, fake Discord, simulator outage)', () => {
  it('an embed coloured by state, a thread started from it, updates in the thread, Ack, the embed ends green without buttons', async () => {
    const discord = await startFakeDiscord({ token: DISCORD_TOKEN });
    cleanup.push(() => discord.close());
    const db = tempDb();
    await watchRouter91(db);
    const bot = startProgram(MAIN, {
      env: nocEnv(db, {
        DISCORD_TOKEN,
        DISCORD_APPLICATION_ID: FAKE_APP_ID,
        DISCORD_API_URL: discord.apiUrl,
        NOC_DISCORD_CHANNEL: FAKE_CHANNEL_ID,
        SIM_OUTAGES: 'router:91@2s+10s',
      }),
      keepOpen: true,
    });
    const channelPosts = () => discord.callsTo('POST', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages$`));
    const rootCall = await until(() => channelPosts()[0], 'the incident embed', 60_000);
    const embed = (c: RestCall) => ((c.body as { embeds: { title: string; color: number; description: string }[] }).embeds[0] ?? { title: '', color: 0, description: '' });
    expect(embed(rootCall).title).toMatch(/RB\\?-9\.1 \\?\(Zona 9\\?\) down · \d+ of \d+ checked/);
    expect(embed(rootCall).color).toBe(0xe74c3c);
    const customIds = JSON.stringify((rootCall.body as { components: unknown }).components);
    expect(customIds).toMatch(/pingops:noc_ack:\d+/);
    const thread = await discord.waitForCall('POST', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages/\\d+/threads$`), () => true, 30_000);
    const rootId = /messages\/(\d+)\/threads/.exec(thread.path)?.[1] ?? '';
    const threadPosts = () => discord.callsTo('POST', new RegExp(`^/channels/${rootId}/messages$`)).map((c) => String((c.body as { content?: string }).content));
    await until(() => threadPosts().find((t) => t.includes('is down')), 'the opening reply in the thread');

    const ackId = /pingops:noc_ack:\d+/.exec(customIds)?.[0] ?? '';
    discord.sendButton(ackId, rootId, { user: ANA, channelId: FAKE_CHANNEL_ID });
    await until(() => threadPosts().find((t) => t.includes('Acked by ana.tech')), 'the ack in the thread');
    // Silence is for admins: Ana (no Administrator permission) is told privately, the root stays.
    const silence = discord.sendButton(ackId.replace('noc_ack', 'noc_silence'), rootId, { user: ANA, channelId: FAKE_CHANNEL_ID });
    const refusal = await discord.waitForCall('POST', new RegExp(`^/webhooks/${FAKE_APP_ID}/${silence.token}$`), () => true, 20_000);
    expect(refusal.body).toMatchObject({ flags: 64 });
    expect(JSON.stringify(refusal.body)).toContain('ask an admin');
    expect(discord.callsTo('DELETE', /messages/)).toEqual([]);

    await until(() => threadPosts().find((t) => t.includes('Back after')), 'the recovery in the thread', 60_000);
    const edits = () => discord.callsTo('PATCH', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages/${rootId}$`));
    const last = await until(() => edits().find((c) => embed(c).color === 0x2ecc71), 'the embed edited to resolved');
    expect((last.body as { components: unknown[] }).components).toEqual([]);
    expect(channelPosts()).toHaveLength(1);
    expect(discord.callsTo('POST', /\/threads$/)).toHaveLength(1);
    bot.signal('SIGTERM');
    await bot.exited;
  }, 120_000);
});
