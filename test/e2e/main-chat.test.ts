import { afterEach, describe, expect, it } from 'vitest';
import { ANA, FAKE_APP_ID, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { postSignedEvent } from '../adapters/slack/harness.js';
import { killStarted, MAIN, startProgram, testEnv, type Program, until } from '../support/spawn.js';

// `npm start` with chat tokens, as an operator runs it: the composition root wires the
// configured surfaces to the core, the shared HTTP server and the built-in simulator.
const SIGNING_SECRET = 'e2e-signing-secret';
const SLACK_TOKEN = 'xoxb-e2e-SecretBotToken';
const DISCORD_TOKEN = 'e2e-discord-SecretToken';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});


/** The port the bot's HTTP server took, from its structured log. */
async function httpPort(bot: Program): Promise<number> {
  await bot.waitFor('http server listening', 'stderr');
  const line = bot.stderr().split('\n').find((l) => l.includes('http server listening')) ?? '';
  return (JSON.parse(line) as { port: number }).port;
}

async function fakeSlack(): Promise<FakeSlack> {
  const slack = await startFakeSlack();
  cleanup.push(() => slack.close());
  return slack;
}

async function fakeDiscord(): Promise<FakeDiscord> {
  const discord = await startFakeDiscord({ token: DISCORD_TOKEN });
  cleanup.push(() => discord.close());
  return discord;
}

const slackEnv = (slack: FakeSlack) => ({ PING_API_URL: 'sim', SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl });
const discordEnv = (discord: FakeDiscord) => ({ PING_API_URL: 'sim', DISCORD_TOKEN, DISCORD_APPLICATION_ID: FAKE_APP_ID, DISCORD_API_URL: discord.apiUrl });

async function slashCommand(port: number, slack: FakeSlack, text: string, command = '/ping', responseId = 'cmd'): Promise<number> {
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: 'C0NOC',
    user_id: 'U123',
    command,
    text,
    api_app_id: 'A0001',
    response_url: slack.responseUrl(responseId),
    trigger_id: 'trigger.1',
  }).toString();
  return postSignedEvent(port, body, SIGNING_SECRET);
}

const mentionOf = (slack: FakeSlack) =>
  slack.callsTo('chat.postMessage').find((c) => typeof c.args.text === 'string' && c.args.text.startsWith('<@U123>'));

describe('npm start with chat tokens and no Ping API', () => {
  it('refuses to answer chat from the simulator unless PING_API_URL=sim asks for it', async () => {
    const slack = await fakeSlack();
    const bot = startProgram(MAIN, { env: testEnv({ ...slackEnv(slack), PING_API_URL: undefined }) });
    expect((await bot.exited).code).toBe(3);
    expect(bot.stderr()).toContain('PING_API_URL is not set, but Slack or Discord is');
    expect(bot.stderr()).toContain('PING_API_URL=sim');
    expect(slack.calls.length).toBe(0);
  });
});

// The same paths against the documented middleware, the middleware's code today, and WispHub directly.
describe.each(['v1', 'plain', 'wisphub'] as const)('npm start with chat tokens (SIM_DIALECT=%s)', (dialect) => {
  it('serves Slack in HTTP mode on PORT: a /ping ends with the verdict mention; SIGTERM exits 0', async () => {
    const slack = await fakeSlack();
    const bot = startProgram(MAIN, { env: testEnv({ ...slackEnv(slack), SIM_DIALECT: dialect }), keepOpen: true });
    const port = await httpPort(bot);
    await until(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), '/readyz');

    expect(await slashCommand(port, slack, '1001')).toBe(200);
    const mention = await until(() => mentionOf(slack), 'the requester mention');
    expect(String(mention.args.text)).toContain('Stable connection');
    // Straight from WispHub the verdict carries what pingops measured; the middleware says neither.
    if (dialect === 'wisphub') expect(String(mention.args.text)).toMatch(/Stable connection \(0 % loss · \d+(\.\d)? ms\)/);
    else expect(String(mention.args.text)).not.toContain('% loss');
    expect(mention.token).toBe(SLACK_TOKEN);

    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(bot.stderr() + bot.stdout()).not.toContain(SLACK_TOKEN);
    expect(bot.stderr() + bot.stdout()).not.toContain(SIGNING_SECRET);
  });

  it('connects to Discord with the Guilds intent only and answers /ping with a final embed', async () => {
    const discord = await fakeDiscord();
    const bot = startProgram(MAIN, { env: testEnv({ ...discordEnv(discord), SIM_DIALECT: dialect }), keepOpen: true });
    await discord.whenReady();
    expect(discord.identifies[0]?.intents).toBe(1);

    const sent = discord.sendCommand({ client: '1002' }, { user: ANA });
    const final = await discord.waitForCall('PATCH', new RegExp(`/webhooks/${FAKE_APP_ID}/${sent.token}/messages/@original$`), (c) =>
      JSON.stringify(c.body).includes('Intermittent connection'),
    );
    expect(JSON.stringify(final.body)).toMatch(/pingops:rerun:[0-9a-f]{16}/);
    if (dialect === 'wisphub') expect(JSON.stringify(final.body)).toMatch(/Intermittent connection · \d+(\.\d)? % loss · \d+(\.\d)? ms/);

    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(bot.stderr() + bot.stdout()).not.toContain(DISCORD_TOKEN);
  });

  it('runs Slack and Discord in the same process, without a shell', async () => {
    const [slack, discord] = await Promise.all([fakeSlack(), fakeDiscord()]);
    const bot = startProgram(MAIN, { env: testEnv({ ...slackEnv(slack), ...discordEnv(discord), SIM_DIALECT: dialect }), keepOpen: true });
    const port = await httpPort(bot);
    await discord.whenReady();
    expect(await slashCommand(port, slack, '1008')).toBe(200);
    const sent = discord.sendCommand({ client: '1008' }, { user: ANA });
    await until(() => mentionOf(slack), 'the Slack verdict');
    await discord.waitForCall('PATCH', new RegExp(`/webhooks/${FAKE_APP_ID}/${sent.token}/messages/@original$`), (c) =>
      JSON.stringify(c.body).includes('Antenna only'),
    );
    // The shell prompt never appeared: stdout belongs to no REPL when a chat surface runs.
    expect(bot.stdout()).not.toContain('pingops>');
    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
  });
});

describe('npm start with Slack: /noc', () => {
  it('an admin watches a router from the chat; the running watcher sweeps it within one interval and /noc status says so', async () => {
    const slack = await fakeSlack();
    const bot = startProgram(MAIN, { env: testEnv({ ...slackEnv(slack), PINGOPS_ADMINS: 'U123', NOC_INTERVAL: '2s', NOC_ROUND_MIN: '1s', LOG_LEVEL: 'info' }), keepOpen: true });
    const port = await httpPort(bot);
    await until(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), '/readyz');
    const answer = (id: string) => slack.calls.find((c) => c.method === 'response_url' && c.responseId === id);
    expect(await slashCommand(port, slack, 'watch add router:91 every 2s', '/noc', 'add')).toBe(200);
    const added = await until(() => answer('add'), 'the /noc answer');
    expect(added.args).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Watching router:91 every 2 s') });
    const status = await until(async () => {
      await slashCommand(port, slack, 'status', '/noc', `status-${Date.now()}`);
      const last = slack.calls.filter((c) => c.method === 'response_url' && String(c.responseId).startsWith('status-')).at(-1);
      return last && /router:91\s+RB-9\.1/.test(String(last.args.text)) ? last : undefined;
    }, 'the watcher sweeping router 91', 30_000);
    expect(String(status.args.text)).toMatch(/^Plan: 20 clients on 1 router/);
    bot.signal('SIGTERM');
    expect((await bot.exited).code).toBe(0);
  }, 60_000);
});
