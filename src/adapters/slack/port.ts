import type { ChatPort } from '../../chat/port.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { EditBudget } from '../../chat/live-message.types.js';
import { encodeButtonValue, renderMentionMessage, renderPlainReply, renderSlackMessage } from './blocks.js';
import { callWithRetry, classifySlackError, describeFailure, isChannelAccessError, toEditorError } from './web.js';
import type { SlackCall } from './web-calls.js';
import { slackWords } from './words.js';

/**
 * The engine's port on Slack: chat.postMessage (with a few 429 retries), chat.update (429s go to
 * LiveMessage), a mention reply in the thread, chat.postEphemeral. Buttons carry the
 * conversation id, so they find their check after a restart.
 */
export function createSlackPort(o: { call: SlackCall; clock: Clock; log: Logger; editBudget: EditBudget; minEditIntervalMs: number }): ChatPort {
  const { call, log } = o;
  const post = async (args: { channel: string; thread_ts?: string; reply_broadcast?: boolean; text: string; blocks?: unknown[] }): Promise<string> => {
    const res = await callWithRetry(() => call('chat.postMessage', { ...args, unfurl_links: false, unfurl_media: false }), o.clock);
    if (typeof res.ts !== 'string' || !res.ts) throw new Error('chat.postMessage answered without a ts');
    return res.ts;
  };
  const thread = (ts: string | null) => (ts ? { thread_ts: ts } : {});
  return {
    surface: 'slack',
    rootCards: true,
    // Slack's chat.update limit is per workspace: every live message, on every replica, shares it.
    editBudget: o.editBudget,
    minEditIntervalMs: o.minEditIntervalMs,
    async post(place, m) {
      const msg = renderSlackMessage(m.view, m.role, { locale: m.locale, buttonValue: encodeButtonValue({ k: m.conversationId }) });
      return post({ channel: place.channel, ...thread(place.thread), ...msg });
    },
    async edit(place, ts, m) {
      const msg = renderSlackMessage(m.view, m.role, { locale: m.locale, buttonValue: encodeButtonValue({ k: m.conversationId }) });
      try {
        await call('chat.update', { channel: place.channel, ts, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        throw toEditorError(err);
      }
      return undefined;
    },
    async reply(place, anchor, text, opts) {
      // Outside text (client names, API messages) stays literal: plain_text, or rich_text around the mention.
      const msg = opts.mention ? renderMentionMessage(opts.mention, text) : renderPlainReply(text);
      const ts = place.thread ?? anchor;
      // Broadcast only means something for a thread reply: it also lands in the channel.
      await post({ channel: place.channel, ...thread(ts), ...(opts.broadcast && ts ? { reply_broadcast: true } : {}), ...msg });
    },
    async replyPrivately(place, user, text) {
      await call('chat.postEphemeral', { channel: place.channel, user, ...renderPlainReply(text), ...thread(place.thread) });
    },
    permanentFailure(err) {
      const f = classifySlackError(err);
      return isChannelAccessError(f) ? describeFailure(f) : null;
    },
    postFailedText(err, locale) {
      const f = classifySlackError(err);
      log.warn({ err: describeFailure(f) }, 'could not post the conversation');
      return isChannelAccessError(f) ? slackWords(locale).notInChannel : slackWords(locale).postFailed;
    },
  };
}
