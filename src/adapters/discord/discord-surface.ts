import {
  Client,
  DiscordAPIError,
  Events,
  REST,
  Routes,
  GatewayIntentBits,
  Options,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type RateLimitData,
} from 'discord.js';
import { z } from 'zod';
import { createAckFirst } from '../../chat/ack-first.js';
import type { HeldTicket } from '../../chat/held-requests.js';
import type { Person, PrivateAnswer } from '../../chat/port.js';
import type { Surface, SurfaceDeps } from '../../chat/surface.js';
import type { Secret } from '../../util/secret.js';
import { localeFrom, type Locale } from '../../present/locale.js';
import { targetErrorText } from '../../present/render.js';
import { lazyChild, type Logger } from '../../util/logger.js';
import { createTokenBucket } from '../../util/token-bucket.js';
import { createTurnQueue, type TurnQueueOptions } from '../../util/turn-queue.js';
import { answerAutocomplete } from './autocomplete.js';
import { firstAnswer } from './first-answer.js';
import { COMMAND_NAME, MAX_PACKETS, MIN_PACKETS, NOC_COMMAND, OPTION_CLIENT, OPTION_PACKETS } from './commands.js';
import { answerNocAutocomplete, nocOptionsOf, nocText } from './noc.js';
import { parseCustomId, toTextMessage } from './embed.js';
import { describeDiscordError } from './errors.js';
import { DEFAULT_DISCORD_API } from './register.js';
import { createDiscordPort, type Origin } from './port.js';
import { interactionAnswer, storedInteractionAnswer, type InteractionAnswer } from './interaction-answer.js';
import { discordRequest } from './rest-request.js';
import { discordWords } from './words.js';
import { sanitizeOutsideText } from '../../util/outside-text.js';
import type { Led } from '../../util/leadership.js';

/** Tunables; the defaults are what production uses, tests shorten them. */
/** The Discord application (DISCORD_*). */
export interface DiscordSettings {
  token: Secret;
  applicationId: string;
  /** The guild served and /ping registered in; null: global. */
  guildId: string | null;
  /** Another REST base (a test double); null: Discord's. */
  apiUrl: string | null;
  /** A thread on each reply, the requester notified there. */
  threads: boolean;
}

export interface DiscordSurfaceOptions {
  /** How long the interaction token is used before edits move to a channel message (default 14 min). */
  interactionTtlMs?: number;
  /** Least time between two edits of one message (default 1100 ms). */
  minEditIntervalMs?: number;
  /** How long `stop()` lets checks in flight finish; the rest resume at the next start (default 4 s, inside main's 5 s). */
  stopGraceMs?: number;
  /** How often a running status is redrawn (default 1100 ms). */
  tickMs?: number;
  /** How interactions that arrive together are started (util/turn-queue): inline for `inlineMs` of the turn they arrive in (default 10), then in slices of `sliceMs` of later turns (default 5); 0 and 0: one per later turn. */
  interactionTurns?: Pick<TurnQueueOptions, 'inlineMs' | 'sliceMs'>;
}

/**
 * Edit budget. Per message, Discord allows about 5 webhook edits per 5 s: one edit per 1.1 s
 * stays under it. Across messages, a shared 300/min (burst 10) keeps a storm of concurrent
 * checks far below the bot's global 50 req/s and the per-channel limits of the fallback path.
 */
const EDITS_PER_MIN = 300;
const EDIT_BURST = 10;
const MIN_EDIT_INTERVAL_MS = 1100;
/** Connections to Discord per REST client (the bot's, the interactions'), as the Slack caller's 50. */
const MAX_CONNECTIONS = 50;
/** One REST request's deadline: discord.js's own default, which aborts first. */
const REST_TIMEOUT_MS = 15_000;
/** People kept in discord.js's user and member caches; beyond, the first cached goes first. */
export const PEOPLE_CACHED = 100;

/**
 * The gateway client's caches. discord.js keeps every person who ever sent an interaction (a
 * user and a member each), and without the members intent nothing ever removes them: a bot that
 * runs for months would hold everyone who ever typed /ping. pingops reads none of them back (a
 * request carries its person), so both are bounded, the bot's own entries kept.
 */
export const clientCaches = () =>
  Options.cacheWithLimits({
    ...Options.DefaultMakeCacheSettings,
    UserManager: { maxSize: PEOPLE_CACHED, keepOverLimit: (user) => user.id === user.client.user?.id },
    GuildMemberManager: { maxSize: PEOPLE_CACHED, keepOverLimit: (member) => member.id === member.client.user?.id },
  });

/** Only edits of status messages reject on 429 (LiveMessage waits them out); everything else queues as discord.js does. */
export function rejectEditRateLimit(data: Pick<RateLimitData, 'method' | 'route'>): boolean {
  return (
    data.method.toUpperCase() === 'PATCH' &&
    (data.route.startsWith('/webhooks/:id/:token/messages/') || data.route === '/channels/:id/messages/:id')
  );
}

/** An interaction's logger, made on first use. */
type LogOf = () => Logger;

/** The name a person is shown by in messages (escaped where shown). */
function displayName(interaction: Interaction): string {
  return interaction.user.globalName ?? interaction.user.username;
}


/**
 * A deferred `/ping` as held in the store until taken up: what answering it after a crash needs,
 * its interaction token among it (valid 15 minutes, the row deleted once the check is written).
 */
const heldDiscordRequest = z.object({
  text: z.string(),
  packets: z.number().int().nullable(),
  person: z.object({
    id: z.string(),
    name: z.string(),
    locale: z.enum(['es', 'en']),
    isAdmin: z.boolean().optional(),
    workspace: z.object({ id: z.string().nullable(), home: z.string().nullable() }).optional(),
  }),
  channel: z.string(),
  deferredAt: z.number(),
  interaction: z.object({ id: z.string(), applicationId: z.string(), token: z.string(), channelId: z.string(), ephemeral: z.boolean() }),
});
type HeldDiscordRequest = z.infer<typeof heldDiscordRequest>;

/** A held request read back from the store; null for anything this version did not write. */
export function parseHeldDiscordRequest(body: unknown): HeldDiscordRequest | null {
  const r = heldDiscordRequest.safeParse(body);
  return r.success ? r.data : null;
}

/** How long a gateway login may take (to READY) before it is given up and tried again. */
const LOGIN_DEADLINE_MS = 30_000;

/** A gateway session while it lasts. */
export interface GatewaySession {
  stop(): Promise<void>;
}

/**
 * Runs the gateway session on one replica at a time: app/ binds it to the `discord-gateway`
 * lease (util/leadership), which calls `start` when this replica wins the lease and stops the
 * session when it loses (or fences) it. Absent: this process alone holds the gateway.
 */
export type GatewayLease = (start: () => Promise<GatewaySession>) => Led<GatewaySession>;

/**
 * The Discord surface: maps `/ping` (with autocomplete) and the buttons to the conversation
 * engine, and implements its port: the status message is the interaction's reply while its
 * token lives, a channel message after that (and after a restart).
 *
 * With replicas, only one holds the gateway (`gateway`): several sessions with the same token
 * and shard would each get every interaction, and both would answer. Every replica keeps its
 * REST side (the port) and its engine: it edits the checks it owns, adopts those of a gone
 * replica, and posts the NOC's incidents when it is the NOC leader, without a session.
 */
export function createDiscordSurface(deps: SurfaceDeps & { discord: DiscordSettings; gateway?: GatewayLease }, opts: DiscordSurfaceOptions = {}): Surface {
  const cfg = deps.discord;
  const { directory, clock } = deps;
  const log = deps.logger.child({ surface: 'discord' });
  const minEditIntervalMs = opts.minEditIntervalMs ?? MIN_EDIT_INTERVAL_MS;
  const inFlight = new Set<Promise<void>>();

  const restOptions = { api: cfg.apiUrl ?? DEFAULT_DISCORD_API, rejectOnRateLimit: rejectEditRateLimit };
  // Each REST client on its own keep-alive exchange of at most 50 connections (rest-request:
  // why not undici); beyond the bound requests wait, in order. The interactions' one is shared by
  // every gateway session's client: their REST outlives them for the replies still being answered.
  const interactionRequest = discordRequest(MAX_CONNECTIONS, REST_TIMEOUT_MS);
  /** The bot token's REST client, for every replica: no gateway behind it. */
  const rest = new REST({ ...restOptions, makeRequest: discordRequest(MAX_CONNECTIONS, REST_TIMEOUT_MS) });

  const port = createDiscordPort({
    rest,
    clock,
    log,
    threads: cfg.threads,
    minEditIntervalMs,
    budget: createTokenBucket({ perMinute: EDITS_PER_MIN, burst: EDIT_BURST, clock }),
    ...(opts.interactionTtlMs !== undefined ? { interactionTtlMs: opts.interactionTtlMs } : {}),
  });
  // A burst's first answers before its work: the look-ups, store writes and first posts of
  // commands already deferred wait until the interactions in hand have theirs (chat/ack-first),
  // as Slack's acks do. Each of those units delayed every deferral still to be sent.
  const ackFirst = createAckFirst({ clock });
  const engine = deps.conversations(port, { tickMs: opts.tickMs ?? minEditIntervalMs, followUp: ackFirst.after });
  const held = deps.heldRequests?.<HeldDiscordRequest>('discord');
  // A burst's interactions come down the gateway together, and discord.js hands over every one
  // that one read of the socket holds in a single turn, as Node's HTTP server does requests:
  // handled there, 1,000 people at once made turns of up to 110-270 ms in their first second
  // while every timer waited (`npm run bench -- discord-chat --lag-turns`); with this, at most
  // 40-55 ms. The first 10 ms of a turn's interactions are handled where they arrive, the rest
  // start in arrival order in 5 ms slices of later turns: sliced from the first, fifty at once
  // while fifty checks ran had their deferrals' p99 at 44 ms instead of 20 (30 ms like this,
  // `npm run bench -- discord 5`).
  const interactions = createTurnQueue(opts.interactionTurns ?? { inlineMs: 10, sliceMs: 5 });

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  /**
   * An interaction's logger, made when first used: most interactions log nothing, and a pino
   * child per interaction was a measurable part of a cold burst.
   */
  const logFor = (i: Interaction): LogOf => lazyChild(log, { interactionId: i.id, guildId: i.guildId, channelId: i.channelId, userId: i.user.id });
  const personOf = (i: Interaction): Person => ({
    id: i.user.id,
    name: sanitizeOutsideText(displayName(i)),
    locale: localeFrom(i.locale, deps.locale),
    isAdmin: i.inGuild() && Boolean(i.memberPermissions?.has('Administrator')),
    // Administrator counts only in DISCORD_GUILD_ID, and other servers are refused (chat/access).
    workspace: { id: i.guildId, home: cfg.guildId },
  });

  /**
   * The deferral, once, whoever asks for it first (the command as it arrives, or the first post).
   * `out`: called once the interaction's first answer has gone out (ack-first's release).
   */
  const originOf = (answer: InteractionAnswer, out: () => void, deferredAt = clock.now()): Origin => {
    let deferring: Promise<void> | null = null;
    let at = deferredAt;
    const o: Origin = {
      answer,
      answered: false,
      defer: (visibility = 'public') => {
        deferring ??= (async () => {
          at = clock.now();
          try {
            if (!answer.deferred && !answer.replied) await answer.defer(visibility === 'private');
          } finally {
            out();
          }
        })();
        return deferring;
      },
      deferral: () => deferring,
      deferredAt: () => at,
    };
    return o;
  };

  /** A private answer: an ephemeral reply, or, after a public deferral, the "thinking…" removed and an ephemeral follow-up. */
  const answerFor = (o: Origin, l: LogOf, out: () => void): PrivateAnswer => async (text) => {
    o.answered = true;
    const a = o.answer;
    try {
      // A deferral still on its way would make a reply now a second callback, which Discord refuses.
      await o.deferral()?.catch(() => undefined);
      if (a.deferred && a.ephemeral) {
        await a.editOriginal(toTextMessage(text));
      } else if (a.deferred || a.replied) {
        await a.deleteOriginal().catch((err: unknown) => l().warn({ err: describeDiscordError(err) }, 'could not delete the deferred reply'));
        await a.followUp(toTextMessage(text), true);
      } else {
        await a.reply(toTextMessage(text), true);
      }
    } finally {
      out();
    }
  };

  /**
   * `/ping`: what the command says, read from the interaction before the interaction is let go
   * (interaction-answer.ts); no closure here may see `i`, or its scope would keep it to the verdict.
   */
  const onCommand = (i: ChatInputCommandInteraction, answer: InteractionAnswer, l: LogOf, out: () => void): Promise<void> => {
    const person = personOf(i);
    const packets = i.options.getInteger(OPTION_PACKETS);
    if (packets !== null && (packets < MIN_PACKETS || packets > MAX_PACKETS)) return answer.reply(toTextMessage(targetErrorText('bad_packets', person.locale)), true);
    return askToPing(i.options.getString(OPTION_CLIENT, true), packets, person, i.channelId, answer, l, out);
  };

  /**
   * A command is deferred as it arrives unless its answer needs no I/O (first-answer.ts): a cold
   * client look-up takes longer than a bare client's first answer. The price: a refusal only the
   * look-up can decide (an unknown client) shows "thinking…" publicly until it is deleted and
   * answered ephemerally (docs/architecture.md, "Acks first").
   */
  const askToPing = async (text: string, packets: number | null, person: Person, channel: string, answer: InteractionAnswer, l: LogOf, out: () => void) => {
    const first = firstAnswer(text);
    const origin = originOf(answer, out);
    const deferNow = (visibility: 'public' | 'private') => {
      if (origin.answered) return;
      origin.defer(visibility).catch((err: unknown) => l().warn({ err: describeDiscordError(err) }, 'could not defer the command'));
    };
    // A command that needs I/O is held in the store until taken up (chat/held-requests): a
    // process that dies behind its "thinking…" leaves it to the next to answer.
    const ticket =
      first.kind === 'defer'
        ? held?.hold({ text, packets, person, channel, deferredAt: clock.now(), interaction: { id: answer.id, applicationId: answer.applicationId, token: answer.token, channelId: answer.channelId, ephemeral: first.visibility === 'private' } })
        : undefined;
    // Asked first: the engine answers a refusal by its access rules before this call returns, so
    // it stays an ephemeral reply; the look-up and everything after it run on behind the deferral.
    const req = { text, packets, person, place: { channel, thread: null }, answer: answerFor(origin, l, out), origin, ...(ticket ? { held: ticket } : {}) };
    const request = engine.request(req);
    // An answer expected without I/O that has not come by the next turn is deferred privately: never a public "thinking…" for it.
    const late = first.kind === 'reply' ? setImmediate(() => deferNow('private')) : null;
    if (first.kind === 'defer') deferNow(first.visibility);
    try {
      await request;
    } finally {
      if (late) clearImmediate(late);
      ticket?.release();
    }
  };

  /**
   * A command a gone replica (or this one's previous process) held: answered through its stored
   * token as if it had just been deferred, its private answers as ephemeral follow-ups.
   */
  const replayHeld = (r: HeldDiscordRequest, ticket: HeldTicket): void => {
    const l: LogOf = lazyChild(log, { interactionId: r.interaction.id, channelId: r.channel, userId: r.person.id });
    const noop = () => undefined;
    const origin = originOf(storedInteractionAnswer(rest, r.interaction), noop, r.deferredAt);
    const request = engine.request({ text: r.text, packets: r.packets, person: r.person, place: { channel: r.channel, thread: null }, answer: answerFor(origin, l, noop), origin, held: ticket });
    track(request.catch((err: unknown) => l().error({ err: describeDiscordError(err) }, 'replayed command failed')).finally(() => ticket.release()));
  };

  /** A button: read, then pressed without the interaction (see onCommand). */
  const onButton = (i: ButtonInteraction, answer: InteractionAnswer, l: LogOf, out: () => void): Promise<void> =>
    pressed(parseCustomId(i.customId), personOf(i), i.channelId, answer, l, out);

  const pressed = async (action: ReturnType<typeof parseCustomId>, person: Person, channel: string, answer: InteractionAnswer, l: LogOf, out: () => void) => {
    if (!action) {
      await answer.reply(toTextMessage(discordWords(person.locale).unknownButton), true);
      return;
    }
    if (action.kind === 'noc') {
      // NOC incident buttons (issue 11): the desk decides; the root changes through the outbox.
      if (!deps.noc) {
        await answer.reply(toTextMessage(discordWords(person.locale).unknownButton), true);
        return;
      }
      // Acknowledged at once (Check now runs for seconds; Discord allows 3). Private answers are
      // ephemeral follow-ups: deleting the "reply" of a component would delete the incident's root.
      await answer.deferUpdate();
      out();
      await deps.noc.press({ action: action.action, incidentId: action.incidentId, person, channel, surface: 'discord', answer: (text) => answer.followUp(toTextMessage(text), true) });
      return;
    }
    const origin = originOf(answer, out);
    if (action.kind === 'cancel') {
      await engine.cancel({ conversationId: action.key, channel, person, answer: answerFor(origin, l, out) });
      // Acknowledge without changing the message: the cancelled view arrives through the check.
      if (!origin.answered) await answer.deferUpdate();
      return;
    }
    // Re-run is a new reply, not an edit of the old one: the earlier verdict stays in the channel
    // to compare with, and the new interaction brings a fresh 15-minute token.
    await engine.rerun({
      conversationId: action.conversationId,
      ...(action.serviceId !== null ? { fallback: { serviceId: action.serviceId, packets: null } } : {}),
      person,
      place: { channel, thread: null },
      answer: answerFor(origin, l, out),
      origin,
    });
  };

  /** `/noc`: local reads and writes only, answered well inside Discord's 3 s, privately. */
  const onNoc = async (i: ChatInputCommandInteraction, answer: InteractionAnswer) => {
    const text = deps.nocCommands ? await deps.nocCommands.handle(nocText(nocOptionsOf(i)), personOf(i), 'discord', i.channelId) : 'The NOC is not available in this pingops.';
    await answer.reply(toTextMessage(text), true);
  };

  /** Autocomplete: matching clients or NOC targets; a failure is an empty list, never nothing. */
  const onAutocomplete = async (i: AutocompleteInteraction, l: LogOf) => {
    try {
      if (i.commandName === NOC_COMMAND) return await answerNocAutocomplete(i, deps.nocCommands ?? null, clock, l());
      return await answerAutocomplete(i, { directory, clock }, l());
    } catch (err) {
      l().error({ err: describeDiscordError(err) }, 'discord interaction failed');
      try {
        if (!i.responded) await i.respond([]);
      } catch (failed) {
        l().warn({ err: describeDiscordError(failed) }, 'could not tell the user about the failure');
      }
    }
  };

  /**
   * Every interaction ends here: errors are logged and, where possible, answered; never thrown.
   * Not async, and no closure in it: a check runs on for minutes after its command, and this
   * frame would hold the interaction until then.
   */
  const onInteraction = (i: Interaction, out: () => void): Promise<void> => {
    const l = logFor(i);
    const locale = localeFrom(i.locale, deps.locale);
    let answer: InteractionAnswer | null = null;
    let work: Promise<void>;
    try {
      if (i.isChatInputCommand() && i.commandName === COMMAND_NAME) work = onCommand(i, (answer = interactionAnswer(i)), l, out);
      else if (i.isChatInputCommand() && i.commandName === NOC_COMMAND) work = onNoc(i, (answer = interactionAnswer(i)));
      else if (i.isButton() && i.customId.startsWith('pingops:')) work = onButton(i, (answer = interactionAnswer(i)), l, out);
      else if (i.isAutocomplete()) work = onAutocomplete(i, l);
      else work = Promise.resolve();
    } catch (err) {
      work = Promise.reject(err);
    }
    return answer ? settle(work, answer, locale, l, out) : work.finally(out);
  };

  /** A command's or button's work to its end; a failure is logged and answered privately, through its token. */
  const settle = async (work: Promise<void>, answer: InteractionAnswer, locale: Locale, l: LogOf, out: () => void) => {
    try {
      await work;
    } catch (err) {
      l().error({ err: describeDiscordError(err) }, 'discord interaction failed');
      try {
        const msg = toTextMessage(discordWords(locale).failed);
        if (answer.deferred || answer.replied) await answer.followUp(msg, true);
        else await answer.reply(msg, true);
      } catch (failed) {
        l().warn({ err: describeDiscordError(failed) }, 'could not tell the user about the failure');
      }
    } finally {
      out();
    }
  };

  /**
   * One gateway session: a client logged in, answering interactions, until `stop`. A new client
   * each time: a destroyed discord.js client is not logged in again. Its REST (interaction
   * replies, whose webhook routes need no bot token) outlives it for the checks it started.
   */
  const connect = async (): Promise<GatewaySession> => {
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      // This client's REST carries the interactions' callbacks and webhooks (deferrals, cards,
      // live edits, follow-ups), which "are not bound to the bot's Global Rate Limit" (Discord's
      // rate-limit docs); their own per-route limits still come in the answers' headers and are
      // kept. discord.js would hold them to its 50 a second, and with edits rejecting on a rate
      // limit (so LiveMessage keeps only the newest view), the cards of a burst beyond what five
      // one-second waits let through were failed posts: 712 of 1,000 people at once lost their check.
      rest: { ...restOptions, makeRequest: interactionRequest, globalRequestsPerSecond: Number.POSITIVE_INFINITY },
      // Belt and braces: every payload also sets its own allowedMentions.
      allowedMentions: { parse: [], repliedUser: false },
      makeCache: clientCaches(),
    });
    client.on(Events.InteractionCreate, (i) => {
      // In hand from its arrival until its first answer is out (a deferral, a reply), at the latest when handled.
      const out = ackFirst.incoming();
      const p = new Promise<void>((resolve) => interactions.push(() => resolve(onInteraction(i, out))));
      if (!i.isAutocomplete()) track(p);
    });
    client.on(Events.Error, (err) => log.error({ err: describeDiscordError(err) }, 'discord client error'));
    client.on(Events.ShardError, (err, shardId) => log.warn({ err: describeDiscordError(err), shardId }, 'discord gateway error'));
    client.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'));
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    const deadline = new AbortController();
    try {
      await client.login(cfg.token.reveal());
      const late = clock.sleep(LOGIN_DEADLINE_MS, deadline.signal).then(
        () => 'late' as const,
        () => 'aborted' as const,
      );
      if ((await Promise.race([ready.then(() => 'ready' as const), late])) === 'late') throw new Error(`no READY from the gateway within ${LOGIN_DEADLINE_MS / 1000} s`);
    } catch (err) {
      await client.destroy().catch(() => undefined);
      // discord.js may mention the token's owner in errors, never the token; describe it anyway to be safe.
      const d = describeDiscordError(err);
      log.error({ err: d }, 'discord login failed');
      throw new Error(`Discord login failed: ${d.message}`);
    } finally {
      deadline.abort();
    }
    log.info({ user: client.user?.tag, applicationId: cfg.applicationId, threads: cfg.threads }, 'discord gateway connected: this replica answers interactions');
    return {
      async stop() {
        await client.destroy();
        // The client's REST stays in use by interactions still being answered; only its sweep timers go.
        client.rest.clearHashSweeper();
        client.rest.clearHandlerSweeper();
        log.info('discord gateway closed');
      },
    };
  };

  /**
   * A token Discord refuses is a configuration error: said at start, as a failed login was before
   * the gateway had a lease. Anything else (Discord away) is left to the gateway's retries.
   */
  const checkToken = async () => {
    try {
      await rest.get(Routes.user());
    } catch (err) {
      const d = describeDiscordError(err);
      if (err instanceof DiscordAPIError && err.status === 401) {
        log.error({ err: d }, 'discord login failed');
        throw new Error(`Discord login failed: ${d.message}`);
      }
      log.warn({ err: d }, 'could not check the Discord token at start; the gateway will try');
    }
  };

  let gateway: Led<GatewaySession> | null = null;
  let alone: GatewaySession | null = null;

  return {
    name: 'discord',
    async start() {
      rest.setToken(cfg.token.reveal());
      await checkToken();
      // The REST side serves on every replica from here on; the gateway only where the lease is.
      deps.noc?.attach(port);
      track(engine.resume());
      held?.start(parseHeldDiscordRequest, replayHeld);
      if (deps.gateway) {
        gateway = deps.gateway(connect);
        log.info({ applicationId: cfg.applicationId, threads: cfg.threads }, 'discord surface started: the gateway is held by one replica at a time (lease discord-gateway)');
      } else {
        alone = await connect();
      }
    },
    async stop() {
      held?.stop();
      // The gateway first: with a lease, another replica takes the interactions at its next claim.
      await gateway?.stop();
      await engine.stop(opts.stopGraceMs ?? 4000);
      const grace = new AbortController();
      // Interactions still answering (a refusal, a deferral) get a moment; checks were handled above.
      await Promise.race([Promise.allSettled([...inFlight]), clock.sleep(1000, grace.signal).catch(() => undefined)]);
      grace.abort();
      await alone?.stop();
      log.info({ unfinished: engine.running }, 'discord surface stopped');
    },
  };
}
