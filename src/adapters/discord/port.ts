import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { RateLimitedError } from '../../chat/live-message.types.js';
import type { ChatPort } from '../../chat/port.js';
import type { Clock } from '../../util/clock.js';
import { lazyChild, type Logger } from '../../util/logger.js';
import type { TokenBucket } from '../../util/token-bucket.js';
import { clip, escapeDiscord, plainLine, toDiscordMessage, toTextMessage, type DiscordMessage } from './embed.js';
import { describeDiscordError, toEditError } from './errors.js';
import { apiBody, type InteractionAnswer } from './interaction-answer.js';
import { createReplyEditor, type ReplyEditor, type ReplyOps } from './reply.js';
import { discordWords } from './words.js';

const THREAD_ARCHIVE_MINUTES = 1440;
/** Discord's "A thread has already been created for this message". */
const THREAD_ALREADY_CREATED = 160004;
/** Interaction editors kept for messages of this process; older ones are edited as channel messages. */
const EDITORS_KEPT = 2000;
/** A first view rate limited more often than this is a failed post. */
const FIRST_POST_ATTEMPTS = 5;

/** An interaction being answered, with one deferral shared by whoever needs it first. */
export interface Origin {
  /** Its answers through its token (the interaction itself is not kept: interaction-answer.ts). */
  answer: InteractionAnswer;
  /**
   * Defers the reply (public unless asked otherwise); later calls share the first one. A private
   * deferral is for answers that are private (history): a status card posted into it would be too.
   */
  defer(visibility?: 'public' | 'private'): Promise<void>;
  /** The deferral once asked for (it may still be on its way), else null. */
  deferral(): Promise<void> | null;
  deferredAt(): number;
  answered: boolean;
}

/**
 * The engine's port on Discord. A status message is the interaction's reply while its token
 * lives (ReplyEditor), a channel message after that; a message of an earlier process is edited
 * through the channel route with the bot token, since its interaction token died with it.
 *
 * Everything but the interaction's own reply goes through `rest`, a REST client with the bot
 * token that needs no gateway session: a replica that does not hold the gateway (only one does,
 * see discord-surface) still edits the checks it owns and posts the NOC's incidents.
 */
export function createDiscordPort(o: {
  rest: REST;
  clock: Clock;
  log: Logger;
  threads: boolean;
  minEditIntervalMs: number;
  budget: TokenBucket;
  interactionTtlMs?: number;
}): ChatPort {
  const { rest, clock, log } = o;
  /** Message id → the interaction editor that may still edit it. */
  const editors = new Map<string, ReplyEditor>();
  const remember = (id: string, editor: ReplyEditor) => {
    editors.set(id, editor);
    if (editors.size > EDITORS_KEPT) editors.delete(editors.keys().next().value as string);
  };
  const sendToChannel = async (channelId: string, msg: DiscordMessage) =>
    (await rest.post(Routes.channelMessages(channelId), { body: apiBody(msg) })) as { id: string };
  const replyOps = (answer: InteractionAnswer): ReplyOps => {
    const { channelId } = answer;
    return {
      editOriginal: (msg) => answer.editOriginal(msg),
      sendToChannel: (msg) => sendToChannel(channelId, msg),
      editInChannel: async (messageId, msg) => {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body: apiBody(msg) });
      },
    };
  };

  return {
    surface: 'discord',
    rootCards: false,
    editBudget: o.budget,
    minEditIntervalMs: o.minEditIntervalMs,
    async post(place, m, origin) {
      const msg = toDiscordMessage(m.view, { conversationId: m.conversationId });
      const from = origin as Origin | undefined;
      if (!from) return (await sendToChannel(place.channel, msg)).id;
      await from.defer();
      const editor = createReplyEditor(replyOps(from.answer), {
        clock,
        deferredAt: from.deferredAt(),
        // Made when first used: an editor logs only when the token dies, and a pino child made
        // here for each check in flight was one of the three each check kept.
        log: lazyChild(log, { check: m.conversationId }),
        ...(o.interactionTtlMs !== undefined ? { ttlMs: o.interactionTtlMs } : {}),
      });
      // The first view is a post, not a LiveMessage edit: wait out a 429 here.
      for (let attempt = 1; ; attempt++) {
        try {
          await editor.edit(msg);
          break;
        } catch (err) {
          if (!(err instanceof RateLimitedError) || attempt >= FIRST_POST_ATTEMPTS) throw err;
          log.warn({ check: m.conversationId, retryAfterMs: err.retryAfterMs }, 'first status rate limited; waiting Retry-After');
          await clock.sleep(Math.max(200, err.retryAfterMs));
        }
      }
      const id = editor.target().messageId;
      if (!id) throw new Error('Discord answered the first edit without a message id');
      remember(id, editor);
      return id;
    },
    async edit(place, id, m) {
      const msg = toDiscordMessage(m.view, { conversationId: m.conversationId });
      const editor = editors.get(id);
      if (!editor) {
        try {
          await rest.patch(Routes.channelMessage(place.channel, id), { body: apiBody(msg) });
        } catch (err) {
          throw toEditError(err);
        }
        return undefined;
      }
      await editor.edit(msg);
      const now = editor.target().messageId;
      if (now && now !== id) {
        remember(now, editor);
        return now;
      }
      return undefined;
    },
    async reply(place, anchor, text, opts) {
      const user = opts.mention?.replace(/\D/g, '') ?? null;
      const body = {
        content: clip(`${user ? `<@${user}> ` : ''}${escapeDiscord(text)}`, 2000),
        // Exactly the requester may be notified; nothing in the text can ping anyone else.
        allowed_mentions: { parse: [], users: user ? [user] : [] },
      };
      if (o.threads && anchor) {
        const thread = (await rest.post(Routes.threads(place.channel, anchor), {
          body: { name: clip(plainLine(text.split(':')[0] ?? text), 100) || 'pingops', auto_archive_duration: THREAD_ARCHIVE_MINUTES },
        })) as { id: string };
        await rest.post(Routes.channelMessages(thread.id), { body });
        return;
      }
      await rest.post(Routes.channelMessages(place.thread ?? place.channel), {
        body: { ...body, ...(anchor ? { message_reference: { message_id: anchor, fail_if_not_exists: false } } : {}) },
      });
    },
    async openThread(place, messageId, name) {
      try {
        const thread = (await rest.post(Routes.threads(place.channel, messageId), {
          body: { name: clip(plainLine(name), 100) || 'pingops', auto_archive_duration: THREAD_ARCHIVE_MINUTES },
        })) as { id: string };
        return thread.id;
      } catch (err) {
        // Started before a restart cut us short: a thread from a message has the message's id.
        if (err instanceof DiscordAPIError && Number(err.code) === THREAD_ALREADY_CREATED) return messageId;
        throw err;
      }
    },
    permanentFailure(err) {
      // Missing access or permissions, unknown channel or message: trying again cannot help.
      if (err instanceof DiscordAPIError && (err.status === 403 || err.status === 404)) return describeDiscordError(err).message;
      return null;
    },
    async replyPrivately(_place, personId, text) {
      // Over REST (a DM channel, then a message), like every other post: no gateway needed.
      const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: personId } })) as { id: string };
      const m = toTextMessage(text);
      await rest.post(Routes.channelMessages(dm.id), { body: { content: m.content, allowed_mentions: m.allowedMentions } });
    },
    postFailedText(err, locale) {
      log.warn({ err: describeDiscordError(err) }, 'could not post the conversation');
      return discordWords(locale).failed;
    },
  };
}
