import { InteractionResponseType, MessageFlags, Routes, type ButtonInteraction, type ChatInputCommandInteraction, type REST } from 'discord.js';
import type { DiscordMessage } from './embed.js';

/** A message an interaction is answered with: a status card, or a text (embed.ts `toTextMessage`). */
export type AnswerMessage = Pick<DiscordMessage, 'content' | 'allowedMentions'> & Partial<Pick<DiscordMessage, 'embeds' | 'components'>>;

/** A message body in Discord's own (snake-case) form; discord.js converts only for its own helpers. */
export function apiBody(msg: AnswerMessage): Record<string, unknown> {
  return { content: msg.content, embeds: msg.embeds, components: msg.components, allowed_mentions: msg.allowedMentions };
}

/**
 * One interaction's answers, sent through its id and token: the same requests as discord.js's
 * `deferReply`, `reply`, `deferUpdate`, `editReply`, `deleteReply` and `followUp`, on the same
 * REST client, with the same bookkeeping of what has been sent.
 *
 * Why not the interaction's own methods: a check holds its answers until its verdict, and a
 * discord.js interaction brings its person, member, options, entitlements and webhook along
 * (about 2 KB; at 1,000 checks in flight, together with the scopes that held it, about 2 MB of
 * a peak that must stay under 150 MB). This keeps four strings and the REST client; the surface
 * lets the interaction go as soon as the command is handed to the engine.
 */
export interface InteractionAnswer {
  readonly id: string;
  readonly applicationId: string;
  readonly token: string;
  readonly channelId: string;
  /** A first answer was a deferral ("thinking…", or a component's silent one). */
  readonly deferred: boolean;
  /** A first answer was a message, or a follow-up went out. */
  readonly replied: boolean;
  /** The first answer (deferral or reply) is only the requester's. */
  readonly ephemeral: boolean;
  /** The "thinking…" deferral of a command; private when `ephemeral`. */
  defer(ephemeral: boolean): Promise<void>;
  /** A component's deferral: the message stays as it is. */
  deferUpdate(): Promise<void>;
  /** The first answer as a message. */
  reply(msg: AnswerMessage, ephemeral: boolean): Promise<void>;
  /** Edits the original reply (the deferral's, once it has been sent); answers the message's id. */
  editOriginal(msg: AnswerMessage): Promise<{ id: string }>;
  deleteOriginal(): Promise<void>;
  followUp(msg: AnswerMessage, ephemeral: boolean): Promise<void>;
}

const flagsOf = (ephemeral: boolean) => (ephemeral ? MessageFlags.Ephemeral : 0);

/** The answers of `i`, holding none of it: read what the calls need now, so `i` may be collected. */
export function interactionAnswer(i: ChatInputCommandInteraction | ButtonInteraction): InteractionAnswer {
  return new TokenAnswer(i.client.rest, i.id, i.applicationId, i.token, i.channelId);
}

/** An interaction's identity as a held request keeps it (chat/held-requests): what answering it needs. */
export interface StoredInteraction {
  id: string;
  applicationId: string;
  token: string;
  channelId: string;
  /** How its first answer went out: a deferral, public or private. */
  ephemeral: boolean;
}

/**
 * The answers of an interaction a process that died received and deferred: the deferral is taken
 * as sent (it leaves as the command arrives); if it never reached Discord, the token is refused and
 * the status goes to a channel message (reply.ts).
 */
export function storedInteractionAnswer(rest: REST, s: StoredInteraction): InteractionAnswer {
  const a = new TokenAnswer(rest, s.id, s.applicationId, s.token, s.channelId);
  a.deferred = true;
  a.ephemeral = s.ephemeral;
  return a;
}

/** A class, not closures: one of these lives with each check in flight, and its methods are shared. */
class TokenAnswer implements InteractionAnswer {
  deferred = false;
  replied = false;
  ephemeral = false;

  constructor(
    private readonly rest: REST,
    readonly id: string,
    readonly applicationId: string,
    readonly token: string,
    readonly channelId: string,
  ) {}

  async defer(ephemeral: boolean): Promise<void> {
    this.first();
    await this.callback({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: flagsOf(ephemeral) } });
    this.deferred = true;
    this.ephemeral = ephemeral;
  }

  async deferUpdate(): Promise<void> {
    this.first();
    await this.callback({ type: InteractionResponseType.DeferredMessageUpdate });
    this.deferred = true;
  }

  async reply(msg: AnswerMessage, ephemeral: boolean): Promise<void> {
    this.first();
    await this.callback({ type: InteractionResponseType.ChannelMessageWithSource, data: { ...apiBody(msg), flags: flagsOf(ephemeral) } });
    this.replied = true;
    this.ephemeral = ephemeral;
  }

  /**
   * The same PATCH as `i.editReply`, minus what discord.js adds around it: resolving a
   * MessagePayload and building (and caching) a Message from every answer, of which only the id
   * is read (a twentieth of the bot's CPU through Discord in `npm run bench -- discord-chat --cpu-prof`).
   */
  async editOriginal(msg: AnswerMessage): Promise<{ id: string }> {
    return (await this.rest.patch(this.original(), { body: apiBody(msg), auth: false })) as { id: string };
  }

  async deleteOriginal(): Promise<void> {
    await this.rest.delete(this.original(), { auth: false });
  }

  async followUp(msg: AnswerMessage, ephemeral: boolean): Promise<void> {
    await this.rest.post(Routes.webhook(this.applicationId, this.token), { body: { ...apiBody(msg), flags: flagsOf(ephemeral) }, auth: false, query: new URLSearchParams({ wait: 'true' }) });
    this.replied = true;
  }

  /** discord.js's own rule: a second first answer is refused before it reaches Discord, which would refuse it too. */
  private first(): void {
    if (this.deferred || this.replied) throw new Error('the interaction has already been answered');
  }

  private callback(body: Record<string, unknown>): Promise<unknown> {
    return this.rest.post(Routes.interactionCallback(this.id, this.token), { body, auth: false });
  }

  private original(): `/webhooks/${string}/${string}/messages/${string}` {
    return Routes.webhookMessage(this.applicationId, this.token, '@original');
  }
}
