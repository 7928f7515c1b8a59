import type { Editor } from '../../chat/live-message.types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { DiscordMessage } from './embed.js';
import { describeDiscordError, isDeadToken, toEditError } from './errors.js';

/** Discord interaction tokens can edit their reply for 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
/** We stop using the token a minute early, so an edit in flight never races its expiry. */
export const INTERACTION_TOKEN_MARGIN_MS = 60_000;

/** The three platform calls a status message needs; the surface binds them to discord.js. */
export interface ReplyOps {
  /** PATCH the interaction's original reply (`webhooks/{app}/{token}/messages/@original`). */
  editOriginal(msg: DiscordMessage): Promise<{ id: string }>;
  /** POST a normal channel message (bot token, no 15-minute limit). */
  sendToChannel(msg: DiscordMessage): Promise<{ id: string }>;
  /** PATCH a channel message sent earlier. */
  editInChannel(messageId: string, msg: DiscordMessage): Promise<void>;
}

/** Where a status message lives now. */
export type ReplyTarget = { kind: 'interaction'; messageId: string | null } | { kind: 'channel'; messageId: string };

/** An Editor for LiveMessage plus where the message ended up (for threads and logs). */
export interface ReplyEditor {
  edit: Editor<DiscordMessage>;
  target(): ReplyTarget;
}

/** True when the interaction token is too old to trust for another edit. */
export function tokenExpired(deferredAt: number, now: number, ttlMs: number): boolean {
  return now - deferredAt >= ttlMs;
}

/**
 * Edits the interaction's reply while its token lives, then (or as soon as Discord says the
 * token is dead) continues in a normal channel message, so a long check still reaches its verdict.
 * 429s become RateLimitedError for LiveMessage to wait out.
 */
export function createReplyEditor(
  ops: ReplyOps,
  opts: { clock: Clock; deferredAt: number; ttlMs?: number; log: () => Logger },
): ReplyEditor {
  const ttlMs = opts.ttlMs ?? INTERACTION_TOKEN_TTL_MS - INTERACTION_TOKEN_MARGIN_MS;
  let target: ReplyTarget = { kind: 'interaction', messageId: null };

  const toChannel = async (msg: DiscordMessage, why: string) => {
    const { id } = await ops.sendToChannel(msg);
    opts.log().info({ messageId: id, why }, 'interaction token no longer usable; status continues in a channel message');
    target = { kind: 'channel', messageId: id };
  };

  const edit: Editor<DiscordMessage> = async (msg) => {
    try {
      if (target.kind === 'channel') return await ops.editInChannel(target.messageId, msg);
      if (tokenExpired(opts.deferredAt, opts.clock.now(), ttlMs)) return await toChannel(msg, 'token age');
      try {
        const { id } = await ops.editOriginal(msg);
        target = { kind: 'interaction', messageId: id };
      } catch (err) {
        if (!isDeadToken(err)) throw err;
        opts.log().warn({ err: describeDiscordError(err) }, 'Discord refused the interaction token');
        await toChannel(msg, 'token refused');
      }
    } catch (err) {
      throw toEditError(err);
    }
  };

  return { edit, target: () => target };
}
