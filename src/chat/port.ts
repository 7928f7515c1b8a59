import type { Locale } from '../present/locale.js';
import type { Workspace } from './access.js';
import type { View } from '../present/view.js';
import type { EditBudget } from './live-message.types.js';

/** Where a conversation lives on its surface: a channel (or DM), and the thread in it, if any. */
export interface Place {
  channel: string;
  /** The thread the status and the notification go into; null: the channel itself. */
  thread: string | null;
}

/** The messages a conversation posted, by role: ids as the surface knows them (Slack ts, Discord snowflake). */
export type MessageRefs = { root?: string; status?: string };

/**
 * Which message a view is drawn into: `root` is a compact card in the channel whose thread holds
 * the rest, `status` the live message under a root, `full` a live message that carries the card
 * itself (no root).
 */
export type MessageRole = 'root' | 'status' | 'full';

/** One message as the engine hands it to a surface: the view, its role, and whose buttons it carries. */
export interface OutgoingMessage {
  view: View;
  role: MessageRole;
  /** The conversation the buttons act on (check id today, incident id later). */
  conversationId: string;
  locale: Locale;
}

/** A person as the surface knows them. */
export interface Person {
  /** Platform user id. */
  id: string;
  /** How they are shown ("Cancelled by …"); outside text, escaped by the surface. */
  name: string;
  locale: Locale;
  /** A platform admin where the request was made (Slack workspace admin, Discord Administrator); PINGOPS_ADMINS adds more. */
  isAdmin?: boolean;
  /** The workspace (Slack team, Discord guild) of the request and the one pingops serves: chat/access decides what that allows. */
  workspace?: Workspace;
}

/** Answers the person privately where they asked (ephemeral, response_url, DM reply). */
export type PrivateAnswer = (text: string) => Promise<void>;

/**
 * What a chat surface gives the engine: messages and threads, nothing about checks. A NOC
 * incident (or anything else with a live message and a thread) can use the same port.
 */
export interface ChatPort {
  /** `slack`, `discord`, `shell`: stored with each conversation, so a restart resumes its own. */
  readonly surface: string;
  /** Requests made outside a thread get a root card in the channel and a thread under it. */
  readonly rootCards: boolean;
  /** False where messages carry no Cancel / Re-run buttons (the shell): help leaves them out. */
  readonly buttons?: boolean;
  /** Edits of live messages share this budget (one per workspace / bot). */
  readonly editBudget: EditBudget;
  /** Least time between two edits of one message. */
  readonly minEditIntervalMs: number;
  /**
   * Posts a new message into `place` (its thread when set) and returns its id. `origin` is the
   * surface's own handle of the request being answered (a Discord interaction), when there is one.
   */
  post(place: Place, message: OutgoingMessage, origin?: unknown): Promise<string>;
  /**
   * Edits a message posted earlier (maybe by an earlier process). Throws RateLimitedError on a
   * 429. Returns the message's new id when the surface had to move it (an expired Discord token).
   */
  edit(place: Place, messageId: string, message: OutgoingMessage): Promise<string | undefined>;
  /**
   * A new message in the conversation's thread (creating one on `anchor` where the surface needs
   * to), notifying `mention` (a user id) and nobody else. `broadcast` also shows it in the channel
   * where the surface can (Slack's `reply_broadcast`).
   */
  reply(place: Place, anchor: string | null, text: string, opts: { mention: string | null; broadcast?: boolean }): Promise<void>;
  /**
   * Starts a thread from a message posted earlier and returns the thread's id, where threads are
   * their own channels (Discord). Absent where a thread is the root message itself (Slack).
   */
  openThread?(place: Place, messageId: string, name: string): Promise<string>;
  /** Tells one person something only they see, in `place`, without a request to answer. */
  replyPrivately(place: Place, personId: string, text: string): Promise<void>;
  /**
   * Why a failed post can never succeed however often it is tried (the bot is not in the
   * channel, the channel is gone), or null for a fault worth retrying. The NOC logs and skips
   * such posts instead of holding its outbox behind them.
   */
  permanentFailure?(err: unknown): string | null;
  /** The private answer when posting into `place` failed (e.g. Slack's "invite me first"). */
  postFailedText(err: unknown, locale: Locale): string;
}
