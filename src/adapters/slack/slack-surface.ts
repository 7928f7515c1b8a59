import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, type BlockButtonAction, type RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { createAckFirst } from '../../chat/ack-first.js';
import type { HeldTicket } from '../../chat/held-requests.js';
import type { Person, PrivateAnswer } from '../../chat/port.js';
import type { Surface, SurfaceDeps } from '../../chat/surface.js';
import type { Secret } from '../../util/secret.js';
import { ACTION_CANCEL, ACTION_NOC_ACK, ACTION_NOC_CHECK, ACTION_NOC_SILENCE, ACTION_RERUN, decodeButtonValue, renderPlainReply } from './blocks.js';
import { NO_LONGER_NEEDED } from '../../util/abort.js';
import { sanitizeOutsideText } from '../../util/outside-text.js';
import { boltLogger } from './bolt-logger.js';
import { createUserDirectory } from './users.js';
import { createSlackPort } from './port.js';
import { createSlackCall } from './web-calls.js';
import { createTokenBucket } from '../../util/token-bucket.js';
import { classifySlackError, describeFailure, socketModeClientOptions, webClientOptions } from './web.js';

/** Tuning knobs; the defaults suit production, tests shorten them. */
/** The Slack app's credentials and limits (SLACK_*). */
export interface SlackSettings {
  botToken: Secret;
  signingSecret: Secret;
  /** Set: Socket Mode; else HTTP on the shared server. */
  appToken: Secret | null;
  /** Another Web API base (a test double); null: Slack's. */
  apiUrl: string | null;
  /** Workspace-wide chat.update budget shared by every live message on every replica. */
  editsPerMin: number;
  /** The workspace served (SLACK_TEAM_ID); null: the bot token's own. */
  teamId: string | null;
}

export interface SlackSurfaceOptions {
  /** Least time between two edits of one message (default 1500 ms). */
  minEditIntervalMs?: number;
  /** How long `stop` lets checks in flight finish; the rest resume at the next start (default 2000 ms). */
  stopGraceMs?: number;
  /** How often a running status is redrawn (default 1500 ms, the edit interval). */
  tickMs?: number;
}

/** Conversations posting their first messages at once; in a burst the rest wait, so acks go out first. */
const OPEN_CONCURRENCY = 4;
const EVENT_IDS_KEPT = 2000;
/** How long a person's locale and admin rights are kept before Slack is asked again. */
const USERS_TTL_MS = 60 * 60_000;

/** Strips mentions of the bot (`<@UBOT>` or `<@UBOT|pingops>`) from a message's text. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*/i, '').trim();
  const re = new RegExp(`<@${botUserId.replace(/[^A-Z0-9]/gi, '')}(?:\\|[^>]*)?>`, 'gi');
  return text.replace(re, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The row of the workspace's edit budget in the store: a digest of the bot token, never the token.
 * A SHA-256, not the scrypt the Ping API's identity uses (pingapi/identity) against weak
 * passwords: a bot token is a long random string that no digest gives away, and scrypt's 16 MB
 * buffer raised what glibc keeps of freed memory (docs/deploy.md, Memory).
 */
function editBudgetName(botToken: Secret): string {
  return `slack-edits:${createHash('sha256').update(`pingops/slack-edits/v1|${botToken.reveal()}`).digest('hex').slice(0, 16)}`;
}

/** The workspace an Events API envelope came from. */
function teamOfEvent(body: unknown): string | undefined {
  const team = (body as { team_id?: unknown }).team_id;
  return typeof team === 'string' ? team : undefined;
}

/** A typed Slack request as held in the store until taken up: what running it again needs. */
const heldSlackRequest = z.object({
  via: z.enum(['command', 'mention', 'dm']),
  /** As the engine reads it (the bot's mention taken out). */
  text: z.string(),
  user: z.string(),
  name: z.string().optional(),
  team: z.string().optional(),
  channel: z.string(),
  thread: z.string().nullable(),
});
type HeldSlackRequest = z.infer<typeof heldSlackRequest>;

/** A held request read back from the store; null for anything this version did not write. */
export function parseHeldSlackRequest(body: unknown): HeldSlackRequest | null {
  const r = heldSlackRequest.safeParse(body);
  return r.success ? r.data : null;
}

/**
 * The Slack surface: maps `/ping`, `@pingops …`, DMs and the buttons to the conversation engine,
 * and implements its port with chat.postMessage / chat.update / chat.postEphemeral. HTTP mode
 * mounts Bolt on the shared server at /slack/events; with an app token it runs in Socket Mode.
 */
export function createSlackSurface(deps: SurfaceDeps & { slack: SlackSettings }, opts: SlackSurfaceOptions = {}): Surface {
  const cfg = deps.slack;
  const log = deps.logger.child({ surface: 'slack' });
  const socketMode = cfg.appToken !== null;
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
      ? { socketMode: true, appToken: cfg.appToken.reveal(), installerOptions: { clientOptions: socketModeClientOptions(cfg.apiUrl) } }
      : { receiver }),
    logger: boltLogger(log),
    clientOptions: webClientOptions(cfg.apiUrl),
    // auth.test runs in start(), so that no Web API call ever stands between a command and its ack.
    deferInitialization: true,
    // Nothing here reads context.conversation; Bolt's default in-memory store looked it up on
    // every request and built a 'Conversation not found' Error (with its stack) each time.
    convoStore: false,
  });
  const client = app.client;
  // The calls every check makes go through our lighter caller (see web-calls.ts); Bolt's client does the rest.
  const call = createSlackCall({ token: cfg.botToken, apiUrl: cfg.apiUrl });
  const users = createUserDirectory({ call, fallback: deps.locale, clock: deps.clock, logger: log, ttlMs: USERS_TTL_MS });
  const usersLoop = new AbortController();
  /**
   * The workspace's members (their locales, admins) loaded at start and again every half of their
   * time in the cache, so that nobody's command waits for users.info: a morning burst made one
   * users.info per person before its look-up could start. Whoever is not listed (a guest from
   * another workspace, someone who joined since) is looked up as before.
   */
  const keepUsersLoaded = async () => {
    while (!usersLoop.signal.aborted) {
      await users.load(usersLoop.signal);
      await deps.clock.sleep(USERS_TTL_MS / 2, usersLoop.signal).catch(() => undefined);
    }
  };
  const minEditIntervalMs = opts.minEditIntervalMs ?? 1500;

  // chat.update's limit is the workspace's for this app, whatever number of replicas share it:
  // one bucket in the store per bot token (a workspace and app).
  const editBudget =
    deps.sharedEditBudget?.({ name: editBudgetName(cfg.botToken), perMinute: cfg.editsPerMin, setting: 'SLACK_EDITS_PER_MIN' }) ??
    createTokenBucket({ perMinute: cfg.editsPerMin, clock: deps.clock });
  const port = createSlackPort({ call, clock: deps.clock, log, editBudget, minEditIntervalMs });
  const engine = deps.conversations(port, { tickMs: opts.tickMs ?? minEditIntervalMs, openConcurrency: OPEN_CONCURRENCY });

  // Nothing but verification and parsing before an ack: who is asking (users.info), the look-up,
  // the store and the posts wait until the commands in hand are answered (chat/ack-first).
  const ackFirst = createAckFirst({ clock: deps.clock });
  const inflight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    const guarded = p.catch((err: unknown) => log.error({ err }, 'slack conversation failed'));
    inflight.add(guarded);
    void guarded.finally(() => inflight.delete(guarded));
  };
  const seenEvents = new Set<string>();
  const firstSeen = (eventId: unknown): boolean => {
    if (typeof eventId !== 'string') return true;
    if (seenEvents.has(eventId)) return false;
    seenEvents.add(eventId);
    if (seenEvents.size > EVENT_IDS_KEPT) seenEvents.delete(seenEvents.values().next().value as string);
    return true;
  };
  /** The workspace pingops serves: SLACK_TEAM_ID, else the bot token's own (auth.test in start). */
  let homeTeam: string | null = cfg.teamId;
  /** `team`: the workspace the request came from; workspace admins count only in the home one (chat/access). */
  const person = async (id: string, name: string | undefined, team: string | undefined): Promise<Person> => {
    const u = await users.get(id);
    // The check's words say who cancelled: a name from Slack is outside text.
    return { id, name: sanitizeOutsideText(name ?? id), locale: u.locale, isAdmin: u.isAdmin, workspace: { id: team ?? null, home: homeTeam } };
  };
  /** The team of whoever clicked: their own (a Slack Connect guest's is not ours), else the payload's. */
  const teamOf = (body: BlockButtonAction): string | undefined => body.user.team_id ?? body.team?.id;
  const viaResponseUrl = (respond: RespondFn): PrivateAnswer => async (text) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...renderPlainReply(text) });
    } catch (err) {
      log.warn({ err: describeFailure(classifySlackError(err)) }, 'response_url answer failed');
    }
  };
  const viaEphemeral = (channel: string, user: string, thread: string | null): PrivateAnswer => async (text) => {
    try {
      await port.replyPrivately({ channel, thread }, user, text);
    } catch (err) {
      log.warn({ channel, user, err: describeFailure(classifySlackError(err)) }, 'ephemeral answer failed');
    }
  };
  let botUserId: string | undefined;

  /**
   * Requests in hand are held in the store from their ack until the engine takes them up
   * (chat/held-requests), so a crash in between leaves them to the next replica or start.
   */
  const held = deps.heldRequests?.<HeldSlackRequest>('slack');
  /** Its stop is over: nothing more is taken, not even to hand over. */
  let stopped = false;
  /** Where a request's private answers go: a replayed command has no response_url, only its channel. */
  const answerOf = (r: HeldSlackRequest): PrivateAnswer => {
    if (r.via !== 'dm') return viaEphemeral(r.channel, r.user, r.thread);
    // In a DM the answer is simply a reply in the thread: nobody else reads it.
    return async (text) => {
      try {
        await port.reply({ channel: r.channel, thread: r.thread }, null, text, { mention: null });
      } catch (err) {
        log.warn({ channel: r.channel, err: describeFailure(classifySlackError(err)) }, 'DM answer failed');
      }
    };
  };
  /** A typed request, once the requests in hand are acked (chat/ack-first); released from the store when its handling ends. */
  const run = (r: HeldSlackRequest, answer: PrivateAnswer, ticket: HeldTicket | undefined): void => {
    const handled = ackFirst.after(async () =>
      engine.request({
        text: r.text,
        person: await person(r.user, r.name, r.team),
        place: { channel: r.channel, thread: r.thread },
        answer,
        ...(ticket ? { held: ticket } : {}),
      }),
    );
    track(ticket ? handled.finally(() => ticket.release()) : handled);
  };

  app.command('/ping', async ({ command, ack, respond }) => {
    // Nothing before the ack: Slack gives up after 3 s and shows the person an error.
    await ack();
    // debug: the engine's 'check started' or 'request refused' names the same channel and person at info.
    log.debug({ channel: command.channel_id, user: command.user_id }, '/ping received');
    const r: HeldSlackRequest = { via: 'command', text: command.text ?? '', user: command.user_id, name: command.user_name, team: command.team_id, channel: command.channel_id, thread: null };
    run(r, viaResponseUrl(respond), held?.hold(r));
  });

  // `/noc ...`: answered privately by the NOC's own handler (status, watch lists, silences).
  app.command('/noc', async ({ command, ack, respond }) => {
    await ack();
    log.info({ channel: command.channel_id, user: command.user_id }, '/noc received');
    const noc = deps.nocCommands;
    const answer = viaResponseUrl(respond);
    track(
      ackFirst.after(async () => {
        if (!noc) return answer('The NOC is not available in this pingops.');
        const who = await person(command.user_id, command.user_name, command.team_id);
        await answer(await noc.handle(command.text ?? '', who, 'slack', command.channel_id));
      }),
    );
  });

  app.event('app_mention', async ({ event, body }) => {
    if (!firstSeen((body as { event_id?: unknown }).event_id) || !event.user) return;
    const user = event.user;
    const thread = event.thread_ts ?? event.ts;
    log.debug({ channel: event.channel, user, threadTs: thread }, 'mention received');
    const r: HeldSlackRequest = { via: 'mention', text: stripBotMention(event.text, botUserId), user, team: teamOfEvent(body), channel: event.channel, thread };
    run(r, answerOf(r), held?.hold(r));
  });

  app.message(async ({ message, body }) => {
    if (message.channel_type !== 'im' || message.subtype !== undefined) return;
    if (!firstSeen((body as { event_id?: unknown }).event_id)) return;
    const { channel, user, ts } = message;
    if (!user || user === botUserId) return;
    const thread = message.thread_ts ?? ts;
    log.debug({ channel, user }, 'direct message received');
    const r: HeldSlackRequest = { via: 'dm', text: stripBotMention(message.text ?? '', botUserId), user, team: teamOfEvent(body), channel, thread };
    run(r, answerOf(r), held?.hold(r));
  });

  app.action<BlockButtonAction>(ACTION_CANCEL, async ({ ack, body, action, respond }) => {
    await ack();
    const user = body.user.id;
    const answer = body.response_url ? viaResponseUrl(respond) : viaEphemeral(body.channel?.id ?? user, user, null);
    const payload = decodeButtonValue(action.value);
    track(
      ackFirst.after(async () =>
        engine.cancel({
          conversationId: payload?.k ?? '',
          channel: body.channel?.id ?? '',
          // The check's words say who cancelled: a readable name, escaped like any other outside text.
          person: await person(user, body.user.name ?? body.user.username, teamOf(body)),
          answer,
        }),
      ),
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
    const answer = body.response_url ? viaResponseUrl(respond) : viaEphemeral(channel, user, null);
    // The thread comes from the clicked message itself; the stored conversation adds our root card.
    const thread = typeof message.thread_ts === 'string' ? message.thread_ts : String(message.ts);
    track(
      ackFirst.after(async () =>
        engine.rerun({
          conversationId: payload.k,
          ...(payload.s !== undefined ? { fallback: { serviceId: payload.s, packets: payload.p ?? null } } : {}),
          person: await person(user, body.user.name ?? body.user.username, teamOf(body)),
          place: { channel, thread },
          answer,
        }),
      ),
    );
  });

  // NOC incident buttons (issue 11): the value carries the incident id; the desk decides.
  for (const [actionId, action] of [
    [ACTION_NOC_ACK, 'ack'],
    [ACTION_NOC_SILENCE, 'silence'],
    [ACTION_NOC_CHECK, 'check'],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action: clicked, respond }) => {
      await ack();
      const user = body.user.id;
      const incidentId = Number(decodeButtonValue(clicked.value)?.k);
      if (!deps.noc || !Number.isSafeInteger(incidentId) || incidentId <= 0) {
        log.warn({ user }, 'incident button without a NOC or a valid incident id; ignored');
        return;
      }
      const noc = deps.noc;
      const answer = body.response_url ? viaResponseUrl(respond) : viaEphemeral(body.channel?.id ?? user, user, null);
      const channel = body.channel?.id ?? null;
      track(ackFirst.after(async () => noc.press({ action, incidentId, person: await person(user, body.user.name ?? body.user.username, teamOf(body)), channel, surface: 'slack', answer })));
    });
  }

  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: unknown }).code }, 'slack app error');
  });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!receiver) return;
    // In hand until its answer is written or the connection is gone.
    res.once('close', ackFirst.incoming());
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
        homeTeam ??= typeof auth.team_id === 'string' ? auth.team_id : null;
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
        // While it stops, a request is still acked and held: the engine hands it over to the
        // next start or another replica and tells the person so (a 503 would be an error in Slack).
        deps.http.mount('/slack/events', handler, { takesWhileDraining: () => held !== undefined && !stopped });
        log.info({ mode: 'http', path: '/slack/events', botUserId }, 'slack surface started');
      }
      deps.noc?.attach(port);
      track(engine.resume());
      held?.start(parseHeldSlackRequest, (r, ticket) => run(r, answerOf(r), ticket));
      void keepUsersLoaded();
    },
    async stop() {
      usersLoop.abort(NO_LONGER_NEEDED);
      held?.stop();
      if (socketMode) await app.stop().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'socket mode stop failed'));
      await engine.stop(opts.stopGraceMs ?? 2000);
      stopped = true;
      log.info({ unfinished: engine.running }, 'slack surface stopped');
    },
  };
}
