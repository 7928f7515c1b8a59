import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, type BlockButtonAction, type RespondFn } from '@slack/bolt';
import { prepareCheck } from '../../chat/ping-flow.js';
import type { Surface, SurfaceDeps } from '../../chat/surface.js';
import type { Locale } from '../../present/locale.js';
import { createSemaphore } from '../../util/semaphore.js';
import { createTokenBucket } from '../../util/token-bucket.js';
import { ACTION_CANCEL, ACTION_RERUN, decodeButtonValue, renderPlainReply } from './blocks.js';
import { sanitizeOutsideText } from '../../util/outside-text.js';
import { boltLogger } from './bolt-logger.js';
import { startConversation, type ConversationDeps, type ConversationRecord } from './conversation.js';
import { createUserDirectory } from './users.js';
import { classifySlackError, describeFailure, isChannelAccessError, socketModeClientOptions, webClientOptions } from './web.js';
import { slackWords } from './words.js';

/** Tuning knobs; the defaults suit production, tests shorten them. */
export interface SlackSurfaceOptions {
  /** Least time between two edits of one message (default 1500 ms). */
  minEditIntervalMs?: number;
  /** How long `stop` waits for checks in flight before cancelling them, and again for their final messages (default 2000 ms each). */
  stopGraceMs?: number;
}

/** Where a conversation was asked for, and how to answer its requester privately. */
interface Origin {
  channel: string;
  user: string;
  /** Thread to post into; null for a slash command (a new root card). */
  threadTs: string | null;
  rootTs: string | null;
  /** A private answer to the requester (ephemeral, or a DM reply). */
  reply: (text: string) => Promise<void>;
}

/** Conversations opening at once (look-up, root card, status message); the rest wait their turn. */
const START_CONCURRENCY = 4;
const EVENT_IDS_KEPT = 2000;
const RECORDS_KEPT = 2000;

/** Strips mentions of the bot (`<@UBOT>` or `<@UBOT|pingops>`) from a message's text. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*/i, '').trim();
  const re = new RegExp(`<@${botUserId.replace(/[^A-Z0-9]/gi, '')}(?:\\|[^>]*)?>`, 'gi');
  return text.replace(re, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Runs `work` once the requests already read off the sockets had their turn: in a burst of
 * commands more acks go out before conversations' API calls take the event loop.
 */
function afterPendingIo<T>(work: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(work);
}

/**
 * The Slack surface: `/ping` (root card + live thread status + requester notification),
 * `@pingops ping …` and DMs (status in the thread), Cancel / Re-run buttons. HTTP mode mounts
 * Bolt on the shared server at /slack/events; with an app token it runs in Socket Mode.
 */
export function createSlackSurface(deps: SurfaceDeps, opts: SlackSurfaceOptions = {}): Surface {
  const cfg = deps.config.slack;
  if (!cfg) throw new Error('createSlackSurface needs config.slack (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)');
  const log = deps.logger.child({ surface: 'slack' });
  const socketMode = cfg.appToken !== null;
  const clientOptions = webClientOptions(cfg.apiUrl);

  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: cfg.signingSecret.reveal(),
        endpoints: '/slack/events',
        logger: boltLogger(log),
        // Bolt would otherwise hold an unacked request for 3 s; every listener of ours acks first.
        unhandledRequestTimeoutMillis: 3001,
      });
  const app = new App({
    token: cfg.botToken.reveal(),
    ...(socketMode && cfg.appToken
      ? {
          socketMode: true,
          appToken: cfg.appToken.reveal(),
          // Bolt hands installerOptions.clientOptions to the socket client; without this it would share `clientOptions`.
          installerOptions: { clientOptions: socketModeClientOptions(cfg.apiUrl) },
        }
      : { receiver }),
    logger: boltLogger(log),
    clientOptions,
    // auth.test runs in start(), so that no Web API call ever stands between a command and its ack.
    deferInitialization: true,
  });

  const client = app.client;
  const budget = createTokenBucket({ perMinute: cfg.editsPerMin, clock: deps.clock });
  const users = createUserDirectory({ client, fallback: deps.config.locale, clock: deps.clock, logger: log });
  const convDeps: ConversationDeps = {
    client,
    checker: deps.checker,
    budget,
    clock: deps.clock,
    logger: deps.logger,
    minEditIntervalMs: opts.minEditIntervalMs ?? 1500,
  };
  const records = new Map<string, ConversationRecord>();
  /** Running conversation per thread, so a double-clicked Re-run does not start two. */
  const runningInThread = new Map<string, string>();
  const inflight = new Set<Promise<void>>();
  const seenEvents = new Set<string>();
  const startSlots = createSemaphore(START_CONCURRENCY);
  let botUserId: string | undefined;
  let stopping = false;

  const track = (p: Promise<void>): void => {
    const guarded = p.catch((err: unknown) => log.error({ err }, 'slack conversation failed'));
    inflight.add(guarded);
    void guarded.finally(() => inflight.delete(guarded));
  };

  const firstSeen = (eventId: unknown): boolean => {
    if (typeof eventId !== 'string') return true;
    if (seenEvents.has(eventId)) return false;
    seenEvents.add(eventId);
    if (seenEvents.size > EVENT_IDS_KEPT) {
      const oldest = seenEvents.values().next();
      if (!oldest.done) seenEvents.delete(oldest.value);
    }
    return true;
  };

  const remember = (r: ConversationRecord): void => {
    records.set(r.key, r);
    if (records.size > RECORDS_KEPT) {
      for (const [k, v] of records) {
        if (records.size <= RECORDS_KEPT) break;
        if (v.done) records.delete(k);
      }
    }
  };

  /** Resolves the request and runs the conversation; every refusal goes privately to the requester. */
  async function begin(origin: Origin, text: string, opts2: { fresh: boolean; locale?: Locale } = { fresh: false }): Promise<void> {
    // Few conversations start at once: in a burst, reading and acking the next commands must not
    // queue behind dozens of look-ups and first posts. Once started, a conversation runs freely.
    const release = await startSlots.acquire();
    let outcome: Awaited<ReturnType<typeof open>>;
    try {
      outcome = await open(origin, text, opts2, release);
    } finally {
      release();
    }
    if (outcome.kind === 'refused') return origin.reply(outcome.message);
    const { record, finished } = outcome;
    remember(record);
    const threadKey = `${record.channel}/${record.threadTs}`;
    runningInThread.set(threadKey, record.key);
    try {
      await finished;
    } finally {
      if (runningInThread.get(threadKey) === record.key) runningInThread.delete(threadKey);
    }
  }

  /** The part of a conversation that competes with acks: the person's locale and the first posts (not the look-up's wait). */
  async function open(
    origin: Origin,
    text: string,
    opts2: { fresh: boolean; locale?: Locale },
    release: () => void,
  ): Promise<{ kind: 'refused'; message: string } | { kind: 'open'; record: ConversationRecord; finished: Promise<void> }> {
    const locale = opts2.locale ?? (await users.get(origin.user)).locale;
    const words = slackWords(locale);
    if (stopping) return { kind: 'refused', message: words.shuttingDown };
    // A look-up is a wait on the Ping API, not work competing with acks: the slot is given up
    // meanwhile (a hung directory must not stall everyone else's /ping) and taken again for the posts.
    release();
    const prep = await prepareCheck(text, { directory: deps.directory }, locale);
    if (!prep.ok) {
      log.info({ channel: origin.channel, user: origin.user, reason: prep.reason }, 'request refused');
      return { kind: 'refused', message: prep.message };
    }
    const releasePosts = await startSlots.acquire();
    let started: Awaited<ReturnType<typeof startConversation>>;
    try {
      started = await startConversation(convDeps, {
        channel: origin.channel,
        threadTs: origin.threadTs,
        rootTs: origin.rootTs,
        requester: origin.user,
        serviceId: prep.serviceId,
        client: prep.client,
        packets: prep.packets,
        locale,
        fresh: opts2.fresh,
      });
    } finally {
      releasePosts();
    }
    if (!started.ok) return { kind: 'refused', message: isChannelAccessError(started.failure) ? words.notInChannel : words.postFailed };
    return { kind: 'open', record: started.record, finished: started.finished };
  }

  const respondPrivately = (respond: RespondFn) => async (text: string) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...renderPlainReply(text) });
    } catch (err) {
      log.warn({ err: describeFailure(classifySlackError(err)) }, 'response_url answer failed');
    }
  };

  const ephemeral = (channel: string, user: string, threadTs: string | undefined) => async (text: string) => {
    try {
      await client.chat.postEphemeral({ channel, user, ...renderPlainReply(text), ...(threadTs ? { thread_ts: threadTs } : {}) });
    } catch (err) {
      log.warn({ channel, user, err: describeFailure(classifySlackError(err)) }, 'ephemeral answer failed');
    }
  };

  app.command('/ping', async ({ command, ack, respond }) => {
    // Nothing before the ack: Slack gives up after 3 s and shows the person an error.
    await ack();
    log.info({ channel: command.channel_id, user: command.user_id }, '/ping received');
    track(
      afterPendingIo(() =>
        begin(
          { channel: command.channel_id, user: command.user_id, threadTs: null, rootTs: null, reply: respondPrivately(respond) },
          command.text ?? '',
        ),
      ),
    );
  });

  app.event('app_mention', async ({ event, body }) => {
    if (!firstSeen((body as { event_id?: unknown }).event_id) || !event.user) return;
    const threadTs = event.thread_ts ?? event.ts;
    log.info({ channel: event.channel, user: event.user, threadTs }, 'mention received');
    track(
      begin(
        { channel: event.channel, user: event.user, threadTs, rootTs: null, reply: ephemeral(event.channel, event.user, threadTs) },
        stripBotMention(event.text, botUserId),
      ),
    );
  });

  app.message(async ({ message, body }) => {
    if (message.channel_type !== 'im' || message.subtype !== undefined) return;
    if (!firstSeen((body as { event_id?: unknown }).event_id)) return;
    const { channel, user, ts } = message;
    const text = message.text ?? '';
    if (!user || user === botUserId) return;
    const threadTs = message.thread_ts ?? ts;
    log.info({ channel, user }, 'direct message received');
    const reply = async (t: string) => {
      try {
        await client.chat.postMessage({ channel, thread_ts: threadTs, ...renderPlainReply(t) });
      } catch (err) {
        log.warn({ channel, err: describeFailure(classifySlackError(err)) }, 'DM answer failed');
      }
    };
    track(begin({ channel, user, threadTs, rootTs: null, reply }, stripBotMention(text, botUserId)));
  });

  app.action<BlockButtonAction>(ACTION_CANCEL, async ({ ack, body, action, respond }) => {
    await ack();
    track(
      (async () => {
        const user = body.user.id;
        const reply = body.response_url ? respondPrivately(respond) : ephemeral(body.channel?.id ?? user, user, undefined);
        const payload = decodeButtonValue(action.value);
        const record = payload ? records.get(payload.k) : undefined;
        const { locale, isAdmin } = await users.get(user);
        const words = slackWords(locale);
        // The value is only a key: the record, its channel and the requester are ours, not the payload's.
        if (!record || record.channel !== body.channel?.id || record.done) return reply(words.alreadyFinished);
        if (user !== record.requester && !isAdmin) {
          log.info({ channel: record.channel, user, requester: record.requester, serviceId: record.serviceId }, 'cancel refused');
          return reply(words.cancelRefused);
        }
        log.info({ channel: record.channel, user, serviceId: record.serviceId }, 'cancel');
        record.cancelledBy = user;
        // The check's words say who cancelled: a readable name, escaped like any other outside text.
        record.handle.cancel(sanitizeOutsideText(body.user.name ?? body.user.username ?? user));
      })(),
    );
  });

  app.action<BlockButtonAction>(ACTION_RERUN, async ({ ack, body, action, respond }) => {
    await ack();
    const user = body.user.id;
    const channel = body.channel?.id;
    const message = body.message;
    const payload = decodeButtonValue(action.value);
    if (!channel || !message || !payload) {
      log.warn({ user }, 're-run without a channel, message or valid value; ignored');
      return;
    }
    const reply = body.response_url ? respondPrivately(respond) : ephemeral(channel, user, undefined);
    const known = records.get(payload.k);
    // The thread comes from the clicked message itself; the record only adds our root card.
    const threadTs: string = typeof message.thread_ts === 'string' ? message.thread_ts : String(message.ts);
    const rootTs = known && known.channel === channel && known.threadTs === threadTs ? known.rootTs : message.thread_ts ? null : String(message.ts);
    if (runningInThread.has(`${channel}/${threadTs}`)) return;
    const text = payload.p !== null ? `${payload.s} ${payload.p}` : String(payload.s);
    log.info({ channel, user, serviceId: payload.s }, 're-run');
    track(begin({ channel, user, threadTs, rootTs, reply }, text, { fresh: true }));
  });

  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: unknown }).code }, 'slack app error');
  });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!receiver) return;
    try {
      receiver.requestListener(req, res);
    } catch (err) {
      // Bolt throws for requests it does not route (e.g. GET /slack/events).
      log.debug({ err: (err as Error).message }, 'slack request not handled');
      if (!res.headersSent) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"not found"}');
      }
    }
  };

  return {
    name: 'slack',
    async start() {
      try {
        await app.init();
        const auth = await client.auth.test();
        botUserId = typeof auth.user_id === 'string' ? auth.user_id : undefined;
      } catch (err) {
        const f = classifySlackError(err);
        throw new Error(`Slack rejected the bot token or could not be reached (${describeFailure(f)}); check SLACK_BOT_TOKEN and SLACK_API_URL`);
      }
      if (socketMode) {
        try {
          await app.start();
        } catch (err) {
          const f = classifySlackError(err);
          throw new Error(`Slack refused the Socket Mode connection (${describeFailure(f)}); check SLACK_APP_TOKEN (an app-level xapp- token with connections:write)`);
        }
        log.info({ mode: 'socket', botUserId }, 'slack surface started');
      } else {
        deps.http.mount('/slack/events', handler);
        log.info({ mode: 'http', path: '/slack/events', botUserId }, 'slack surface started');
      }
    },
    async stop() {
      stopping = true;
      if (socketMode) await app.stop().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'socket mode stop failed'));
      const grace = opts.stopGraceMs ?? 2000;
      const settledWithin = async (ms: number) => {
        const timer = new AbortController();
        await Promise.race([Promise.allSettled([...inflight]), deps.clock.sleep(ms, timer.signal).catch(() => undefined)]);
        timer.abort();
      };
      await settledWithin(grace);
      // Whatever still runs is cancelled so its final message says so rather than freezing mid-check.
      for (const r of records.values()) if (!r.done) r.handle.cancel(null, { shutdown: true });
      await settledWithin(grace);
      log.info({ unfinished: inflight.size }, 'slack surface stopped');
    },
  };
}
