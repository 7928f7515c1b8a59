import { createHmac, randomUUID } from 'node:crypto';
import { roomyQueue } from '../../support/queue.js';
import { loadConfig } from '../../../src/config.js';
import type { Surface } from '../../../src/chat/surface.js';
import { createPingService, type PingService } from '../../../src/core/ping-service.js';
import { createDirectory } from '../../../src/directory/client-directory.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { createPingApi } from '../../../src/pingapi/http-client.js';
import { startSimulator, type Simulator } from '../../../src/sim/server.js';
import { createSlackSurface, type SlackSurfaceOptions } from '../../../src/adapters/slack/slack-surface.js';
import { conversations } from '../../../src/app/surfaces.js';
import { captureLogs } from '../../support/log-capture.js';
import { startFakeSlack, type FakeSlack, type FakeUser, type SlackCall } from '../../fakes/fake-slack.js';
import { startFakePingApi, type FakePingApi } from '../../fakes/fake-ping-api.js';
import { ManualClock } from '../../support/manual-clock.js';
import { testDatabase } from '../../support/store.js';
import type { CheckStore } from '../../../src/store/ports.js';
import type { NocCommands } from '../../../src/chat/noc-commands.js';
import { createAccess, type Access } from '../../../src/chat/access.js';

export const BOT_TOKEN = 'xoxb-1111-2222-SuperSecretBotToken';
export const SIGNING_SECRET = 'signing-secret-8f2e1c0d9b7a';
export const APP_TOKEN = 'xapp-1-A1-SuperSecretAppToken';
export const CHANNEL = 'C0NOC';
export const REQUESTER = 'U123';
/** Web API calls the surface makes at start (who the bot is, the workspace's members), not for a command. */
export const isStartUpCall = (c: SlackCall): boolean => c.method === 'auth.test' || c.method === 'users.list';

export interface HarnessOptions {
  /** The Ping API: the simulator (default) or a fake the test programs. */
  fakePingApi?: boolean;
  editsPerMin?: number;
  surface?: SlackSurfaceOptions;
  locale?: 'es' | 'en';
  /** Check deadline of the PingService, virtual (default 60 s). */
  timeoutMs?: number;
  /** The simulator's route layout (found by the client through `/openapi.json`); default v1. */
  dialect?: 'v1' | 'plain';
  /** Extra settings (PINGOPS_ALLOWED_CHANNELS, PINGOPS_USER_RATE_PER_MIN…). */
  env?: Record<string, string>;
  /** The `/noc` handler given to the surface, made with the surface's access rules. */
  noc?: NocCommands | ((access: Access) => NocCommands);
  /** The workspace's members (users.list) before the surface starts. */
  members?: Record<string, FakeUser>;
}

/** The middleware route layouts suites run against. */
export const LAYOUTS = ['v1', 'plain'] as const;

/** The real Slack surface on a real HTTP server, a fake Slack, and a Ping API on loopback. */
export interface Harness {
  slack: FakeSlack;
  sim: Simulator | null;
  fakeApi: FakePingApi | null;
  /** The surface's clock: LiveMessage spacing, the edit budget, Retry-After waits. */
  clock: ManualClock;
  /** Every log line the process wrote (JSON). */
  logs: string[];
  eventsUrl: string;
  service: PingService;
  store: CheckStore;
  surface: Surface;
  /** POSTs a body to /slack/events, signed with the signing secret unless `signature` overrides. */
  post(body: string, contentType: string, opts?: { signature?: string; timestamp?: number }): Promise<Response>;
  /** `team`: the workspace it came from (default the fake's own, T0001); `userName`: the name Slack sends with it. */
  command(text: string, opts?: { user?: string; userName?: string; channel?: string; responseId?: string; command?: string; team?: string }): Promise<Response>;
  mention(text: string, opts?: { user?: string; channel?: string; ts?: string; threadTs?: string }): Promise<Response>;
  dm(text: string, opts?: { user?: string; channel?: string; ts?: string }): Promise<Response>;
  click(
    actionId: string,
    value: string,
    opts: { user?: string; channel?: string; messageTs: string; threadTs?: string; responseId?: string },
  ): Promise<Response>;
  /** Advances the surface's virtual clock and lets real I/O run until `pred` holds. */
  waitFor(pred: () => boolean, what?: string, opts?: { realMs?: number; stepMs?: number }): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;
const nextTs = () => `1710000000.${String(++counter).padStart(6, '0')}`;

/** Signs a request body as Slack does (v0, HMAC-SHA256 over `v0:<ts>:<body>`). */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs a signed body to a running bot's /slack/events (end-to-end suites); the status, body read. */
export async function postSignedEvent(port: number, body: string, secret: string, type = 'application/x-www-form-urlencoded'): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': type, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts, secret) },
    body,
  });
  await res.text();
  return res.status;
}

/** Starts everything; the caller must `close()`. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const { logger, lines: logs } = captureLogs();
  const slack = await startFakeSlack();
  for (const [id, user] of Object.entries(opts.members ?? {})) slack.setUser(id, user);
  const sim = opts.fakePingApi ? null : await startSimulator({ speed: 100, logger, dialect: opts.dialect ?? 'v1' });
  const fakeApi = opts.fakePingApi ? await startFakePingApi() : null;
  const baseUrl = sim?.url ?? fakeApi?.url ?? '';
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_EDITS_PER_MIN: String(opts.editsPerMin ?? 1000),
    LOCALE: opts.locale ?? 'en',
    PING_TIMEOUT_MS: String(opts.timeoutMs ?? 60_000),
    ...opts.env,
  });
  const db = testDatabase(':memory:', { logger });
  const store = db.checks;
  const api = createPingApi({
    baseUrl,
    auth: { kind: 'none' },
    timeoutMs: 2000,
    logger,
    retries: 1,
    minRetryDelayMs: 5,
    maxRetryDelayMs: 10,
    layout: sim ? 'auto' : 'v1',
  });
  // One virtual clock for the surface and the check schedule (which waits ~1 s per packet before
  // its first poll); the simulator runs on real time at speed 100, so it is done long before.
  const clock = new ManualClock();
  const service = createPingService({
    api,
    clock,
    logger,
    polling: { ...config.polling, packets: 4, initialDelayMs: 20, intervalMs: 20, maxIntervalMs: 50, timeoutMs: opts.timeoutMs ?? 60_000, resultCacheMs: 0 },
    queue: roomyQueue(),
  });
  const directory = createDirectory({ api, clock, logger });

  // The ack's moment goes into the fake's log, so tests can order it against Web API calls.
  const real = createHttpServer(logger);
  const http: HttpServer = {
    ...real,
    mount(prefix, handler) {
      real.mount(prefix, (req, res) => {
        res.on('finish', () => slack.mark('ack', { status: res.statusCode }));
        handler(req, res);
      });
    },
  };
  const access = createAccess(config.access);
  const nocCommands = typeof opts.noc === 'function' ? opts.noc(access) : opts.noc;
  if (!config.slack) throw new Error('the harness needs Slack configured');
  const surface = createSlackSurface(
    {
      slack: config.slack,
      conversations: conversations({ checker: service, directory, store, clock, logger, polling: config.polling, access }),
      directory,
      locale: config.locale,
      clock,
      logger,
      http,
      ...(nocCommands ? { nocCommands } : {}),
    },
    { minEditIntervalMs: 1000, stopGraceMs: 1000, ...opts.surface },
  );
  const port = await real.listen(0, '127.0.0.1');
  await surface.start();
  const eventsUrl = `http://127.0.0.1:${port}/slack/events`;

  const post: Harness['post'] = (body, contentType, o = {}) => {
    const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': o.signature ?? sign(body, timestamp),
      },
      body,
    });
  };
  const event = (ev: Record<string, unknown>) =>
    post(
      JSON.stringify({
        token: 'legacy',
        team_id: 'T0001',
        api_app_id: 'A0001',
        type: 'event_callback',
        event_id: `Ev${randomUUID().slice(0, 8)}`,
        event_time: Math.floor(Date.now() / 1000),
        event: ev,
      }),
      'application/json',
    );

  const h: Harness = {
    slack,
    sim,
    fakeApi,
    clock,
    logs,
    eventsUrl,
    service,
    store,
    surface,
    post,
    command(text, o = {}) {
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: o.team ?? 'T0001',
        team_domain: 'fake-isp',
        channel_id: o.channel ?? CHANNEL,
        channel_name: 'noc',
        user_id: o.user ?? REQUESTER,
        user_name: o.userName ?? 'tech',
        command: o.command ?? '/ping',
        text,
        api_app_id: 'A0001',
        response_url: slack.responseUrl(o.responseId ?? 'cmd'),
        trigger_id: 'trigger.1',
      }).toString();
      return post(body, 'application/x-www-form-urlencoded');
    },
    mention(text, o = {}) {
      const ts = o.ts ?? nextTs();
      return event({
        type: 'app_mention',
        user: o.user ?? REQUESTER,
        text,
        ts,
        channel: o.channel ?? CHANNEL,
        event_ts: ts,
        ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      });
    },
    dm(text, o = {}) {
      const ts = o.ts ?? nextTs();
      return event({ type: 'message', channel: o.channel ?? 'D0DM', channel_type: 'im', user: o.user ?? REQUESTER, text, ts, event_ts: ts });
    },
    click(actionId, value, o) {
      const channel = o.channel ?? CHANNEL;
      const payload = {
        type: 'block_actions',
        user: { id: o.user ?? REQUESTER, username: 'someone', team_id: 'T0001' },
        api_app_id: 'A0001',
        token: 'legacy',
        container: { type: 'message', message_ts: o.messageTs, channel_id: channel, is_ephemeral: false, ...(o.threadTs ? { thread_ts: o.threadTs } : {}) },
        trigger_id: 'trigger.2',
        team: { id: 'T0001', domain: 'fake-isp' },
        channel: { id: channel, name: 'noc' },
        message: { type: 'message', ts: o.messageTs, user: slack.botUserId, bot_id: 'B0001', text: '…', ...(o.threadTs ? { thread_ts: o.threadTs } : {}) },
        response_url: slack.responseUrl(o.responseId ?? 'action'),
        actions: [
          { action_id: actionId, block_id: 'b1', type: 'button', value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: 'x' } },
        ],
      };
      return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    },
    async waitFor(pred, what = 'condition', o = {}) {
      const deadline = Date.now() + (o.realMs ?? 10_000);
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await clock.advance(o.stepMs ?? 250);
        await new Promise((r) => setTimeout(r, 3));
      }
    },
    async close() {
      // stop() waits on the surface's (virtual) clock for checks in flight: keep time moving.
      let stopped = false;
      const stop = surface.stop().finally(() => {
        stopped = true;
      });
      for (let i = 0; i < 400 && !stopped; i++) {
        await clock.advance(250);
        await new Promise((r) => setTimeout(r, 2));
      }
      await stop;
      await service.close();
      await real.close();
      await slack.close();
      await sim?.close();
      await fakeApi?.close();
      await db.close();
    },
  };
  return h;
}

/** The text of a call as sent (fallback `text` plus every block), for assertions on what people see. */
export function shown(call: SlackCall | undefined): string {
  if (!call) return '';
  return `${String(call.args.text ?? '')}\n${JSON.stringify(call.args.blocks ?? [])}`;
}

/** Posts (chat.postMessage) into a thread. */
export function threadPosts(slack: FakeSlack, threadTs: string): SlackCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs);
}

/** The ts the fake answered for a chat.postMessage call. */
export function tsOf(call: SlackCall | undefined): string {
  const ts = call?.response?.body.ts;
  if (typeof ts !== 'string') throw new Error('no ts answered for that call');
  return ts;
}
