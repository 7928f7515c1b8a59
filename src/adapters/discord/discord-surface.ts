import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type RateLimitData,
} from 'discord.js';
import { createLiveMessage } from '../../chat/live-message.js';
import { followCheck, prepareCheck, type Prepared } from '../../chat/ping-flow.js';
import type { Surface, SurfaceDeps } from '../../chat/surface.js';
import type { DoneState } from '../../core/check-state.js';
import type { ClientRecord } from '../../core/client.js';
import type { CheckHandle } from '../../core/ping-service.types.js';
import { localeFrom, type Locale } from '../../present/locale.js';
import { renderCheck, renderVerdictNotice, targetErrorText } from '../../present/render.js';
import type { View } from '../../present/view.js';
import type { Logger } from '../../util/logger.js';
import { createTokenBucket, type TokenBucket } from '../../util/token-bucket.js';
import { MAX_CHOICES, toChoices } from './autocomplete.js';
import { COMMAND_NAME, MAX_PACKETS, MIN_PACKETS, OPTION_CLIENT, OPTION_PACKETS } from './commands.js';
import { clip, escapeDiscord, parseCustomId, plainLine, toDiscordMessage, toTextMessage, type DiscordMessage } from './embed.js';
import { describeDiscordError } from './errors.js';
import { DEFAULT_DISCORD_API } from './register.js';
import { createReplyEditor, type ReplyOps } from './reply.js';
import { discordWords } from './words.js';
import { sanitizeOutsideText } from '../../util/outside-text.js';

/** Tunables; the defaults are what production uses, tests shorten them. */
export interface DiscordSurfaceOptions {
  /** How long the interaction token is used before edits move to a channel message (default 14 min). */
  interactionTtlMs?: number;
  /** Least time between two edits of one message (default 1100 ms). */
  minEditIntervalMs?: number;
  /** How long a command waits for the client look-up before deferring publicly (default 1200 ms). */
  deferWindowMs?: number;
  /** How long `stop()` lets checks in flight finish their message (default 10 s). */
  stopGraceMs?: number;
}

/**
 * Edit budget. Per message, Discord allows about 5 webhook edits per 5 s: one edit per 1.1 s
 * stays under it. Across messages, a shared 300/min (burst 10) keeps a storm of concurrent
 * checks far below the bot's global 50 req/s and the per-channel limits of the fallback path.
 * A check's view changes every 2-5 s (the poll schedule), so these limits rarely bite.
 */
const EDITS_PER_MIN = 300;
const EDIT_BURST = 10;
const MIN_EDIT_INTERVAL_MS = 1100;
/** Autocomplete must answer within Discord's 3 s: the directory gets 1.5 s, the whole handler 2.2 s. */
const SUGGEST_TIMEOUT_MS = 1500;
const AUTOCOMPLETE_DEADLINE_MS = 2200;
/**
 * A command looks the client up for at most this long before deferring: a known client (the
 * usual case with autocomplete) starts at once, and a refusal stays an ephemeral reply instead
 * of a public "thinking…" that has to be deleted. Well inside Discord's 3 s.
 */
const DEFER_WINDOW_MS = 1200;
const THREAD_ARCHIVE_MINUTES = 1440;

/** A check this process is following, found again by its Cancel button. */
interface Running {
  handle: CheckHandle;
  requesterId: string;
  requesterName: string;
}

/** How a status message came to be: a /ping command or a Re-run click. */
interface Start {
  interaction: ChatInputCommandInteraction | ButtonInteraction;
  serviceId: number;
  client: ClientRecord | null;
  packets: number | null;
  fresh: boolean;
  locale: Locale;
  log: Logger;
}

/** Only edits of status messages reject on 429 (LiveMessage waits them out); everything else queues as discord.js does. */
export function rejectEditRateLimit(data: Pick<RateLimitData, 'method' | 'route'>): boolean {
  return (
    data.method.toUpperCase() === 'PATCH' &&
    (data.route.startsWith('/webhooks/:id/:token/messages/') || data.route === '/channels/:id/messages/:id')
  );
}

/** The name a person is shown by in messages (escaped where shown). */
function displayName(interaction: Interaction): string {
  return interaction.user.globalName ?? interaction.user.username;
}

/** Snake-case body for raw REST posts (discord.js converts only for its own helpers). */
function apiBody(msg: DiscordMessage): Record<string, unknown> {
  return { content: msg.content, embeds: msg.embeds, components: msg.components, allowed_mentions: msg.allowedMentions };
}

/** The Discord surface: `/ping` with autocomplete, a live embed, Cancel and Re-run buttons, optional NOC threads. */
export function createDiscordSurface(deps: SurfaceDeps, opts: DiscordSurfaceOptions = {}): Surface {
  const cfg = deps.config.discord;
  if (!cfg) throw new Error('Discord is not configured (DISCORD_TOKEN and DISCORD_APPLICATION_ID)');
  const { checker, directory, clock } = deps;
  const log = deps.logger.child({ surface: 'discord' });
  const minEditIntervalMs = opts.minEditIntervalMs ?? MIN_EDIT_INTERVAL_MS;
  const deferWindowMs = opts.deferWindowMs ?? DEFER_WINDOW_MS;
  const budget: TokenBucket = createTokenBucket({ perMinute: EDITS_PER_MIN, burst: EDIT_BURST, clock });
  const running = new Map<string, Running>();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: cfg.apiUrl ?? DEFAULT_DISCORD_API, rejectOnRateLimit: rejectEditRateLimit },
    // Belt and braces: every payload also sets its own allowedMentions.
    allowedMentions: { parse: [], repliedUser: false },
  });

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  /** Context every log line of one interaction carries; never the token. */
  const logFor = (i: Interaction) =>
    log.child({ interactionId: i.id, guildId: i.guildId, channelId: i.channelId, userId: i.user.id });

  const replyOps = (i: ChatInputCommandInteraction | ButtonInteraction): ReplyOps => ({
    editOriginal: async (msg) => {
      const m = await i.editReply(msg);
      return { id: m.id };
    },
    sendToChannel: async (msg) => {
      const m = (await client.rest.post(Routes.channelMessages(i.channelId), { body: apiBody(msg) })) as { id: string };
      return { id: m.id };
    },
    editInChannel: async (messageId, msg) => {
      await client.rest.patch(Routes.channelMessage(i.channelId, messageId), { body: apiBody(msg) });
    },
  });

  /** Follows one check into one status message until its final view is shown. */
  const follow = async (s: Start): Promise<void> => {
    const { interaction: i, serviceId, locale } = s;
    const key = i.id;
    const requesterId = i.user.id;
    const deferredAt = clock.now();
    const handle = checker.check(serviceId, {
      priority: 'interactive',
      fresh: s.fresh,
      ...(s.packets !== null ? { packets: s.packets } : {}),
    });
    running.set(key, { handle, requesterId, requesterName: displayName(i) });
    const ids = { checkKey: key, serviceId };
    const ops = replyOps(i);
    const reply = createReplyEditor(ops, {
      clock,
      deferredAt,
      logger: s.log,
      ...(opts.interactionTtlMs !== undefined ? { ttlMs: opts.interactionTtlMs } : {}),
    });
    const live = createLiveMessage<DiscordMessage>(reply.edit, {
      budget,
      clock,
      logger: s.log,
      minIntervalMs: minEditIntervalMs,
      name: `discord:${i.channelId}/${key}`,
    });
    let finalView: View | null = null;
    let done: DoneState;
    try {
      done = await followCheck(
        handle,
        s.client,
        locale,
        (view) => {
          if (view.final) finalView = view;
          else live.update(toDiscordMessage(view, ids));
        },
        { now: () => clock.now() },
      );
    } finally {
      running.delete(key);
    }
    const last = finalView ?? renderCheck(done, s.client, locale, { now: clock.now() });
    const doneLog = s.log.child({ taskId: done.taskId });
    try {
      await live.finish(toDiscordMessage(last, ids));
    } catch (err) {
      // The status message cannot be edited any more: the verdict still goes out, as a new message.
      doneLog.warn({ err: describeDiscordError(err) }, 'final status could not be shown; posting it as a new message');
      try {
        await ops.sendToChannel(toDiscordMessage(last, ids));
      } catch (again) {
        doneLog.error({ err: describeDiscordError(again), verdict: done.verdict }, 'verdict could not be delivered to Discord');
      }
    }
    doneLog.info({ verdict: done.verdict, polls: done.polls, elapsedMs: done.elapsedMs, edits: live.edits, cached: done.cached }, 'discord check finished');
    const messageId = reply.target().messageId;
    if (cfg.threads && messageId) await postThreadNotice(i.channelId, messageId, last, done, s, doneLog);
  };

  /** NOC threads: a thread on the status message, and a new message there that notifies the requester. */
  const postThreadNotice = async (channelId: string, messageId: string, view: View, done: DoneState, s: Start, l: Logger) => {
    try {
      const thread = (await client.rest.post(Routes.threads(channelId, messageId), {
        body: { name: clip(plainLine(view.title), 100) || String(s.serviceId), auto_archive_duration: THREAD_ARCHIVE_MINUTES },
      })) as { id: string };
      const requesterId = s.interaction.user.id;
      const notice = renderVerdictNotice(done, s.client, s.locale, { now: clock.now() });
      await client.rest.post(Routes.channelMessages(thread.id), {
        body: {
          content: clip(`<@${requesterId}> ${escapeDiscord(notice)}`, 2000),
          // Exactly the requester may be notified; nothing in the notice text can ping anyone else.
          allowed_mentions: { parse: [], users: [requesterId] },
        },
      });
      l.info({ threadId: thread.id }, 'verdict posted in thread');
    } catch (err) {
      l.warn({ err: describeDiscordError(err) }, 'could not create the NOC thread');
    }
  };

  const ephemeral = (text: string) => ({ ...toTextMessage(text), flags: MessageFlags.Ephemeral as const });

  const onCommand = async (i: ChatInputCommandInteraction, l: Logger) => {
    const locale = localeFrom(i.locale, deps.config.locale);
    if (stopping) {
      await i.reply(ephemeral(discordWords(locale).stopping));
      return;
    }
    const text = i.options.getString(OPTION_CLIENT, true);
    const packetsOpt = i.options.getInteger(OPTION_PACKETS);
    if (packetsOpt !== null && (packetsOpt < MIN_PACKETS || packetsOpt > MAX_PACKETS)) {
      await i.reply(ephemeral(targetErrorText('bad_packets', locale)));
      return;
    }
    const preparing = prepareCheck(text, { directory }, locale);
    const timer = new AbortController();
    const early = await Promise.race<Prepared | 'late'>([
      preparing,
      clock.sleep(deferWindowMs, timer.signal).then(
        () => 'late' as const,
        () => 'late' as const,
      ),
    ]);
    timer.abort();
    let prepared: Prepared;
    if (early === 'late') {
      await i.deferReply();
      prepared = await preparing;
      if (!prepared.ok) {
        // The public "thinking…" must not stay: remove it and answer the requester alone.
        await i.deleteReply().catch((err: unknown) => l.warn({ err: describeDiscordError(err) }, 'could not delete the deferred reply'));
        await i.followUp(ephemeral(prepared.message));
      }
    } else {
      prepared = early;
      if (!prepared.ok) await i.reply(ephemeral(prepared.message));
      else await i.deferReply();
    }
    if (!prepared.ok) {
      l.info({ reason: prepared.reason }, 'ping refused');
      return;
    }
    const packets = packetsOpt ?? prepared.packets;
    const cl = l.child({ serviceId: prepared.serviceId });
    cl.info({ packets }, 'ping requested');
    await follow({ interaction: i, serviceId: prepared.serviceId, client: prepared.client, packets, fresh: false, locale, log: cl });
  };

  const onButton = async (i: ButtonInteraction, l: Logger) => {
    const locale = localeFrom(i.locale, deps.config.locale);
    const w = discordWords(locale);
    const action = parseCustomId(i.customId);
    if (!action) {
      await i.reply(ephemeral(w.unknownButton));
      return;
    }
    if (action.kind === 'cancel') {
      const entry = running.get(action.key);
      if (!entry) {
        await i.reply(ephemeral(w.notRunning));
      } else if (entry.requesterId !== i.user.id) {
        l.info({ requesterId: entry.requesterId }, 'cancel refused: not the requester');
        await i.reply(ephemeral(w.notRequester(entry.requesterName)));
      } else {
        // Acknowledge without changing the message: the cancelled view arrives through the check.
        await i.deferUpdate();
        entry.handle.cancel(sanitizeOutsideText(displayName(i)));
        l.info({ serviceId: entry.handle.serviceId }, 'check cancelled by requester');
      }
      return;
    }
    if (stopping) {
      await i.reply(ephemeral(w.stopping));
      return;
    }
    // Re-run is a new reply, not an edit of the old one: the earlier verdict stays in the channel
    // to compare with, the person who clicked becomes the requester (Cancel, thread mention), and
    // the new interaction brings a fresh 15-minute token.
    await i.deferReply();
    const cl = l.child({ serviceId: action.serviceId });
    const record = await directory.client(action.serviceId).catch(() => null);
    cl.info('re-run requested');
    await follow({ interaction: i, serviceId: action.serviceId, client: record, packets: null, fresh: true, locale, log: cl });
  };

  const onAutocomplete = async (i: AutocompleteInteraction, l: Logger) => {
    const focused = i.options.getFocused(true);
    let choices: { name: string; value: string }[] = [];
    if (focused.name === OPTION_CLIENT) {
      const timer = new AbortController();
      try {
        const found = await Promise.race([
          directory.suggest(String(focused.value).trim(), { limit: MAX_CHOICES, timeoutMs: SUGGEST_TIMEOUT_MS }),
          clock.sleep(AUTOCOMPLETE_DEADLINE_MS, timer.signal).then(() => null),
        ]);
        if (found === null) l.warn('client suggestions too slow; answering an empty list');
        choices = toChoices(found ?? []);
      } catch (err) {
        l.warn({ err: describeDiscordError(err) }, 'client suggestions failed; answering an empty list');
      } finally {
        timer.abort();
      }
    }
    await i.respond(choices);
  };

  /** Every interaction ends here: errors are logged and, where possible, answered; never thrown. */
  const onInteraction = async (i: Interaction) => {
    const l = logFor(i);
    try {
      if (i.isAutocomplete()) return await onAutocomplete(i, l);
      if (i.isChatInputCommand() && i.commandName === COMMAND_NAME) return await onCommand(i, l);
      if (i.isButton() && i.customId.startsWith('pingops:')) return await onButton(i, l);
    } catch (err) {
      l.error({ err: describeDiscordError(err) }, 'discord interaction failed');
      await answerFailure(i, l);
    }
  };

  const answerFailure = async (i: Interaction, l: Logger) => {
    try {
      if (i.isAutocomplete()) {
        if (!i.responded) await i.respond([]);
        return;
      }
      if (!i.isRepliable()) return;
      const msg = ephemeral(discordWords(localeFrom(i.locale, deps.config.locale)).failed);
      if (i.deferred || i.replied) await i.followUp(msg);
      else await i.reply(msg);
    } catch (err) {
      l.warn({ err: describeDiscordError(err) }, 'could not tell the user about the failure');
    }
  };

  client.on(Events.InteractionCreate, (i) => {
    const p = onInteraction(i);
    if (!i.isAutocomplete()) track(p);
  });
  client.on(Events.Error, (err) => log.error({ err: describeDiscordError(err) }, 'discord client error'));
  client.on(Events.ShardError, (err, shardId) => log.warn({ err: describeDiscordError(err), shardId }, 'discord gateway error'));
  client.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'));

  return {
    name: 'discord',
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      try {
        await client.login(cfg.token.reveal());
      } catch (err) {
        // discord.js may mention the token's owner in errors, never the token; describe it anyway to be safe.
        const d = describeDiscordError(err);
        log.error({ err: d }, 'discord login failed');
        throw new Error(`Discord login failed: ${d.message}`);
      }
      await ready;
      log.info({ user: client.user?.tag, applicationId: cfg.applicationId, threads: cfg.threads }, 'discord surface connected');
    },
    async stop() {
      stopping = true;
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled([...inFlight]),
        clock.sleep(opts.stopGraceMs ?? 10_000, grace.signal).catch(() => undefined),
      ]);
      grace.abort();
      await client.destroy();
      log.info({ unfinished: inFlight.size }, 'discord surface stopped');
    },
  };
}
