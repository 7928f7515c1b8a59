import { afterEach, describe, expect, it } from 'vitest';
import { createSlackSurface } from '../../../src/adapters/slack/slack-surface.js';
import { createCore, type Core } from '../../../src/app.js';
import type { Surface } from '../../../src/chat/surface.js';
import { loadConfig } from '../../../src/config.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { startSimulator, type Simulator } from '../../../src/sim/server.js';
import { systemClock } from '../../../src/util/clock.js';
import { captureLogs } from '../../support/log-capture.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../fakes/fake-slack.js';
import { APP_TOKEN, BOT_TOKEN, CHANNEL, REQUESTER, SIGNING_SECRET, shown, threadPosts, tsOf } from './harness.js';

/** The real surface in Socket Mode against the fake Slack (Web API + socket) and the simulator. */
interface Rig {
  slack: FakeSlack;
  sim: Simulator;
  core: Core;
  surface: Surface;
  logs: string[];
  /** Routes the surface mounted on the shared HTTP server (none in Socket Mode). */
  mounted: string[];
  stopped: boolean;
}

let rig: Rig | undefined;

async function startRig(opts: { acceptedAppToken?: string } = {}): Promise<Rig> {
  // Trace, so that anything Bolt or the socket client might print (tokens, URLs) is in the record.
  const { logger, lines: logs } = captureLogs();
  const slack = await startFakeSlack({ appToken: opts.acceptedAppToken ?? APP_TOKEN });
  const sim = await startSimulator({ speed: 100, logger });
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    SLACK_EDITS_PER_MIN: '1000',
    PING_API_URL: sim.url,
    // The simulator runs 100x faster than WispHub: poll on its scale.
    PING_PACKET_MS: '10',
    PING_INITIAL_DELAY_MS: '20',
    PING_INTERVAL_MS: '20',
    PING_MAX_INTERVAL_MS: '100',
    PING_RESULT_CACHE_MS: '0',
    LOCALE: 'en',
    PINGOPS_DB: ':memory:',
  });
  const core = await createCore(config, logger, systemClock);
  const mounted: string[] = [];
  const real = createHttpServer(logger);
  const http: HttpServer = {
    ...real,
    mount(prefix, handler) {
      mounted.push(prefix);
      real.mount(prefix, handler);
    },
  };
  const surface = createSlackSurface(
    { config, checker: core.service, directory: core.directory, store: core.db.checks, clock: systemClock, logger, http },
    { minEditIntervalMs: 50, stopGraceMs: 3000 },
  );
  const r: Rig = { slack, sim, core, surface, logs, mounted, stopped: false };
  rig = r;
  // Resolves only once the socket is open and Slack's hello has arrived.
  await surface.start();
  return r;
}

afterEach(async () => {
  const r = rig;
  rig = undefined;
  if (!r) return;
  if (!r.stopped) await r.surface.stop();
  await r.core.close();
  await r.slack.close();
  await r.sim.close();
});

/** Polls real time (everything here runs on loopback and the system clock) until `pred` holds. */
async function waitFor(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Web API calls and response_url posts that came after log position `seq`. */
const outgoingAfter = (slack: FakeSlack, seq: number): SlackCall[] =>
  slack.calls.filter((c) => c.seq > seq && c.method !== 'socket_ack');

const slashFields = (slack: FakeSlack, text: string, responseId: string): Record<string, string> => ({
  command: '/ping',
  text,
  user_id: REQUESTER,
  user_name: 'tech',
  channel_id: CHANNEL,
  channel_name: 'noc',
  response_url: slack.responseUrl(responseId),
  trigger_id: 'trigger.sock',
});

/** The value of the Re-run button in the newest edit of a message. */
function rerunValue(slack: FakeSlack, ts: string): string {
  const last = slack.callsTo('chat.update').filter((c) => c.args.ts === ts).at(-1);
  const blocks = (last?.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
  for (const b of blocks) for (const e of b.elements ?? []) if (e.action_id === 'pingops_rerun' && e.value) return e.value;
  throw new Error('no Re-run button in the final status');
}

describe('Slack in Socket Mode', () => {
  it('connects with the app-level token, mounts no HTTP route, and runs /ping end to end over the socket', async () => {
    const { slack, sim, mounted } = await startRig();
    // One connection, opened with the app token, against our socket (the URL came from SLACK_API_URL).
    const opens = slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.token).toBe(APP_TOKEN);
    expect(opens[0]?.response?.body.ok).toBe(true);
    expect(slack.socket.openConnections).toBe(1);
    expect(mounted).toEqual([]);

    const envelopeId = slack.socket.slashCommand(slashFields(slack, '1001', 'sock-cmd'));
    const pushedAt = slack.socket.sent.at(-1)?.seq ?? 0;
    await waitFor(() => slack.socket.ackOf(envelopeId) !== undefined, 'the ack of the command');
    const ack = slack.socket.ackOf(envelopeId);
    // The ack carries nothing a channel would see, and does not wait for the work: it arrives before
    // the root card is posted (a users.info round trip and the client lookup lie in between).
    expect(ack?.payload ?? {}).toEqual({});
    await waitFor(() => outgoingAfter(slack, pushedAt).some((c) => c.method.startsWith('chat.')), 'the first chat call');
    const firstChat = outgoingAfter(slack, pushedAt).find((c) => c.method.startsWith('chat.'));
    expect(firstChat?.method).toBe('chat.postMessage');
    expect(ack?.seq).toBeLessThan(firstChat?.seq ?? 0);

    await waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'root, status and notification');
    const [root, status, notice] = slack.callsTo('chat.postMessage');
    expect(root?.args.channel).toBe(CHANNEL);
    expect(root?.args.thread_ts).toBeUndefined();
    expect(shown(root)).toContain('Ana Morales');
    expect(shown(root)).toContain('1001');
    const rootTs = tsOf(root);
    expect(status?.args.channel).toBe(CHANNEL);
    expect(status?.args.thread_ts).toBe(rootTs);
    expect(notice?.args.thread_ts).toBe(rootTs);
    expect(String(notice?.args.text)).toMatch(new RegExp(`^<@${REQUESTER}> `));
    expect(String(notice?.args.text)).toMatch(/stable/i);

    // The thread status was edited in place and ends on the verdict, with a Re-run button; so does the root.
    const statusTs = tsOf(status);
    await waitFor(
      () => slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /stable/i.test(shown(c))),
      'the final status edit',
    );
    const statusEdits = slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs);
    expect(shown(statusEdits.at(-1))).toMatch(/stable/i);
    expect(JSON.stringify(statusEdits.at(-1)?.args.blocks)).toContain('pingops_rerun');
    await waitFor(() => slack.callsTo('chat.update').some((c) => c.args.ts === rootTs && /stable/i.test(shown(c))), 'the root edit');
    expect(sim.stats().tasksCreated).toBe(1);
    // Nothing went through a response_url or ephemerally on the happy path.
    expect(slack.callsTo('response_url')).toHaveLength(0);
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(0);
  });

  it('answers /ping 9999 privately through the response_url and starts no task', async () => {
    const { slack, sim } = await startRig();
    const envelopeId = slack.socket.slashCommand(slashFields(slack, '9999', 'sock-bad'));
    await waitFor(() => slack.socket.ackOf(envelopeId) !== undefined, 'the ack of the command');
    await waitFor(() => slack.callsTo('response_url').length > 0, 'the private answer');
    const answer = slack.callsTo('response_url')[0];
    expect(answer?.responseId).toBe('sock-bad');
    expect(answer?.args.response_type).toBe('ephemeral');
    expect(String(answer?.args.text)).toMatch(/Client 9999 not found/);
    expect(slack.socket.ackOf(envelopeId)?.seq).toBeLessThan(answer?.seq ?? 0);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(sim.stats().tasksCreated).toBe(0);
  });

  it('answers an app_mention in its thread, and a Re-run click (interactive envelope) runs again there', async () => {
    const { slack, sim } = await startRig();
    const mentionTs = '1710000000.000777';
    const eventEnvelope = slack.socket.event({
      type: 'app_mention',
      user: REQUESTER,
      text: `<@${slack.botUserId}> ping 1001`,
      ts: mentionTs,
      channel: CHANNEL,
      event_ts: mentionTs,
    });
    await waitFor(() => slack.socket.ackOf(eventEnvelope) !== undefined, 'the ack of the event');
    await waitFor(() => threadPosts(slack, mentionTs).length >= 2, 'status and notification in the thread');
    const [status, notice] = threadPosts(slack, mentionTs);
    expect(status?.args.channel).toBe(CHANNEL);
    expect(String(notice?.args.text)).toMatch(new RegExp(`^<@${REQUESTER}> `));
    const statusTs = tsOf(status);
    await waitFor(
      () => slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /stable/i.test(shown(c))),
      'the final status edit',
    );
    // A mention gets no root card: every post went into the mention's thread.
    expect(slack.callsTo('chat.postMessage').every((c) => c.args.thread_ts === mentionTs)).toBe(true);
    expect(sim.stats().tasksCreated).toBe(1);

    const clickEnvelope = slack.socket.interactive({
      type: 'block_actions',
      user: { id: REQUESTER, username: 'tech', name: 'tech', team_id: 'T0001' },
      api_app_id: 'A0001',
      token: 'legacy',
      container: { type: 'message', message_ts: statusTs, channel_id: CHANNEL, is_ephemeral: false, thread_ts: mentionTs },
      trigger_id: 'trigger.click',
      team: { id: 'T0001', domain: 'fake-isp' },
      channel: { id: CHANNEL, name: 'noc' },
      message: { type: 'message', ts: statusTs, thread_ts: mentionTs, user: slack.botUserId, bot_id: 'B0001', text: '…' },
      response_url: slack.responseUrl('sock-click'),
      actions: [
        {
          action_id: 'pingops_rerun',
          block_id: 'b1',
          type: 'button',
          value: rerunValue(slack, statusTs),
          action_ts: String(Date.now() / 1000),
          text: { type: 'plain_text', text: 'Re-run' },
        },
      ],
    });
    await waitFor(() => slack.socket.ackOf(clickEnvelope) !== undefined, 'the ack of the click');
    await waitFor(() => threadPosts(slack, mentionTs).length >= 4, 'the second status and notification');
    const second = threadPosts(slack, mentionTs)[2];
    const secondTs = tsOf(second);
    expect(secondTs).not.toBe(statusTs);
    await waitFor(
      () => slack.callsTo('chat.update').some((c) => c.args.ts === secondTs && /stable/i.test(shown(c))),
      'the re-run final status',
    );
    expect(sim.stats().tasksCreated).toBe(2);
  });

  it('uses the app token only for apps.connections.open, the bot token for the rest, and never logs either', async () => {
    const { slack, logs } = await startRig();
    slack.socket.slashCommand(slashFields(slack, '1001', 'sock-cmd'));
    await waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    const statusTs = tsOf(slack.callsTo('chat.postMessage')[1]);
    await waitFor(
      () => slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /stable/i.test(shown(c))),
      'the final status edit',
    );

    const webApi = slack.calls.filter((c) => c.method.includes('.'));
    expect(webApi.map((c) => c.method)).toEqual(expect.arrayContaining(['apps.connections.open', 'auth.test', 'users.info', 'chat.postMessage', 'chat.update']));
    for (const call of webApi) {
      expect({ method: call.method, appToken: call.token === APP_TOKEN }).toEqual({
        method: call.method,
        appToken: call.method === 'apps.connections.open',
      });
      if (call.method !== 'apps.connections.open') expect(call.token).toBe(BOT_TOKEN);
    }
    const everything = logs.join('\n');
    // The socket client's Web API traffic is in the record (its headers are logged at trace), so the check below has teeth.
    expect(everything).toContain('apps.connections.open');
    expect(everything).not.toContain(APP_TOKEN);
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain('SuperSecret');
  });

  it('reconnects when Slack recycles the connection, even through a few failed apps.connections.open', async () => {
    const { slack, sim } = await startRig();
    // Three failures: more than the chat calls' own retry budget, so the socket client must not share it.
    slack.on('apps.connections.open', { kind: 'http', status: 503, body: 'upstream connect error' }, 3);
    slack.socket.requestReconnect('refresh_requested');
    await waitFor(() => slack.socket.closes.length > 0, 'the old socket to close');
    // The client waits its own reconnect delay (5 s in @slack/socket-mode) before asking for a new URL.
    await waitFor(() => slack.socket.connectionsAccepted === 2 && slack.socket.openConnections === 1, 'the new connection', 40_000);
    const opens = slack.callsTo('apps.connections.open');
    expect(opens.map((c) => c.response?.status)).toEqual([200, 503, 503, 503, 200]);
    expect(opens.every((c) => c.token === APP_TOKEN)).toBe(true);

    // The new socket carries commands like the first one did.
    const envelopeId = slack.socket.slashCommand(slashFields(slack, '1001', 'after-reconnect'));
    await waitFor(() => slack.socket.ackOf(envelopeId) !== undefined, 'the ack over the new socket');
    await waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the conversation');
    expect(sim.stats().tasksCreated).toBe(1);
  }, 60_000);

  it('fails start() clearly when Slack refuses the app-level token, without showing it', async () => {
    const err = await startRig({ acceptedAppToken: 'xapp-1-A1-SomeOtherApp' }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toMatch(/invalid_auth/);
    expect(err?.message).toMatch(/SLACK_APP_TOKEN/);
    expect(err?.message).not.toContain(APP_TOKEN);
    const opens = rig?.slack.callsTo('apps.connections.open') ?? [];
    expect(opens).toHaveLength(1);
    expect(rig?.slack.socket.connectionsAccepted).toBe(0);
  });

  it('stop() closes the socket with a normal closure and does not reconnect', async () => {
    const r = await startRig();
    const { slack } = r;
    expect(slack.socket.openConnections).toBe(1);
    await r.surface.stop();
    r.stopped = true;
    await waitFor(() => slack.socket.closes.length > 0, 'the close frame');
    expect(slack.socket.closes[0]?.code).toBe(1000);
    await waitFor(() => slack.socket.openConnections === 0, 'the socket to be gone');
    expect(slack.socket.connectionsAccepted).toBe(1);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    // Nothing listens any more: an envelope has nowhere to go.
    expect(() => slack.socket.slashCommand(slashFields(slack, '1001', 'late'))).toThrow(/no Socket Mode connection/);
  });
});
