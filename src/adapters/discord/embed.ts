import { escapeMarkdown } from 'discord.js';
import type { Tone, View, ViewButton } from '../../present/view.js';

/**
 * View -> Discord message, as plain API JSON (no discord.js builders) so the mapping is pure,
 * table-testable, and exactly what goes on the wire.
 */

/** Embed colour per tone: grey running, green good, amber warn, red bad, dark red critical. */
export const TONE_COLOURS: Readonly<Record<Tone, number>> = {
  running: 0x95a5a6,
  good: 0x2ecc71,
  warn: 0xf1a20b,
  bad: 0xe74c3c,
  critical: 0x992d22,
  neutral: 0x607d8b,
};

/** Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  total: 6000,
} as const;

/** A field value this short sits beside others; longer ones (addresses) get their own row. */
const INLINE_MAX = 40;

/** Mentions parse nothing: no text we show can notify anyone. */
export const NO_MENTIONS = { parse: [] as [] } as const;

export interface EmbedField {
  name: string;
  value: string;
  inline: boolean;
}

export interface Embed {
  title: string;
  description: string;
  color: number;
  fields: EmbedField[];
  footer?: { text: string };
}

export interface ButtonComponent {
  type: 2;
  style: 1 | 2 | 4;
  label: string;
  custom_id: string;
}

export interface ActionRow {
  type: 1;
  components: ButtonComponent[];
}

/** One message body as editReply / channel sends take it (discord.js accepts raw API JSON). */
export interface DiscordMessage {
  content: string;
  embeds: Embed[];
  /** Always present, so an edit to the final view removes the Cancel button. */
  components: ActionRow[];
  allowedMentions: { parse: [] };
}

/** What a status message's buttons refer to. */
export interface MessageIds {
  /** The stored conversation: both buttons carry it, so they work after a restart. */
  conversationId: string;
}

/**
 * A button click, decoded from its custom id. Re-run buttons of versions before the store carry
 * a service id instead of a conversation id.
 */
export type ButtonAction =
  | { kind: 'cancel'; key: string }
  | { kind: 'rerun'; conversationId: string; serviceId: null }
  | { kind: 'rerun'; conversationId: null; serviceId: number }
  /** A NOC incident button: the incident id, so it works after a restart. */
  | { kind: 'noc'; action: 'ack' | 'silence' | 'check'; incidentId: number };

const PREFIX = 'pingops';

/** The custom id of a view button; at most 100 chars as Discord requires (keys are snowflakes). */
export function customIdFor(button: ViewButton['id'], ids: MessageIds): string {
  if (button === 'noc_ack' || button === 'noc_silence' || button === 'noc_check') return `${PREFIX}:${button}:${ids.conversationId}`;
  return `${PREFIX}:${button === 'cancel' ? 'cancel' : 'rerun'}:${ids.conversationId}`;
}

/** Decodes a button custom id; null for anything not ours or malformed. */
export function parseCustomId(customId: string): ButtonAction | null {
  const noc = /^pingops:noc_(ack|silence|check):(\d{1,12})$/.exec(customId);
  if (noc?.[1] && noc[2]) return { kind: 'noc', action: noc[1] as 'ack' | 'silence' | 'check', incidentId: Number(noc[2]) };
  const m = /^pingops:(cancel|rerun):([A-Za-z0-9_-]{1,80})$/.exec(customId);
  if (!m || !m[1] || !m[2]) return null;
  if (m[1] === 'cancel') return { kind: 'cancel', key: m[2] };
  if (/^[0-9a-f]{16}$/.test(m[2])) return { kind: 'rerun', conversationId: m[2], serviceId: null };
  if (!/^\d{1,12}$/.test(m[2])) return null;
  const serviceId = Number(m[2]);
  return serviceId > 0 ? { kind: 'rerun', conversationId: null, serviceId } : null;
}

const ZWSP = '\u200b';

/**
 * What can make `escapeEverything` change a text: a character that starts markdown, a mention or
 * a link, or a list marker at a line's start. Most of what pingops shows (statuses, names,
 * numbers, times) has none, and escapeMarkdown runs a dozen regular expressions over every
 * string: 0.2 ms of CPU per check in `npm run bench -- discord-chat --cpu-prof`.
 */
const MAY_NEED_ESCAPING = /[\\`*_~|#[<@]|:\/\/|^ *(?:-|\d+\.)/m;

/**
 * Escapes untrusted text for markdown-rendered Discord text (content, embed title, description,
 * field values): markdown, masked links, mentions (`<@…>`, `<#…>`, `<@&…>`, `</cmd:…>`,
 * timestamps), `@everyone`/`@here`, and auto-linked URLs are all shown literally.
 */
export function escapeDiscord(text: string): string {
  return MAY_NEED_ESCAPING.test(text) ? escapeEverything(text) : text;
}

/** escapeDiscord without its shortcut: every escape, whatever the text. */
export function escapeEverything(text: string): string {
  let s = escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: true });
  // `\<` renders a literal `<`, so no `<…>` sequence can become a mention, emoji or link.
  s = s.replace(/</g, '\\<');
  // A zero-width space keeps the words readable but stops Discord recognising them.
  s = s.replace(/@(everyone|here)/gi, `@${ZWSP}$1`);
  s = s.replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, `$1:${ZWSP}//`);
  return s;
}

/**
 * Plain text for places Discord does not render markdown (embed footer, autocomplete choice
 * names, thread names): only control characters and line breaks are flattened.
 */
export function plainLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

/**
 * Shortens to at most `max` chars with an ellipsis, never splitting a surrogate pair or leaving
 * a dangling escape backslash that would swallow the ellipsis.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const trailing = /\\+$/.exec(cut)?.[0].length ?? 0;
  if (trailing % 2 === 1) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const buttonStyle = (style: ViewButton['style']): ButtonComponent['style'] =>
  style === 'primary' ? 1 : style === 'danger' ? 4 : 2;

/** Builds the description: status line, the billing warning, then what the verdict means. */
function description(view: View): string {
  const parts = [`**${escapeDiscord(view.status)}**`];
  if (view.warning) parts.push(`> ⚠️ **${escapeDiscord(view.warning)}**`);
  if (view.meaning) parts.push(escapeDiscord(view.meaning));
  return clip(parts.join('\n\n'), EMBED_LIMITS.description);
}

const embedSize = (e: Embed): number =>
  e.title.length + e.description.length + (e.footer?.text.length ?? 0) + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);

/** Maps a neutral View to one Discord embed plus its buttons, within every embed limit. */
export function toDiscordMessage(view: View, ids: MessageIds): DiscordMessage {
  const fields = view.fields.slice(0, EMBED_LIMITS.fields).map((f) => {
    const value = clip(escapeDiscord(f.value), EMBED_LIMITS.fieldValue) || '—';
    return {
      name: clip(escapeDiscord(f.label), EMBED_LIMITS.fieldName) || '—',
      value,
      inline: value.length <= INLINE_MAX && !value.includes('\n'),
    };
  });
  const embed: Embed = {
    title: clip(escapeDiscord(view.title), EMBED_LIMITS.title),
    description: description(view),
    color: TONE_COLOURS[view.tone],
    fields,
  };
  if (view.footer) embed.footer = { text: clip(plainLine(view.footer), EMBED_LIMITS.footer) };
  // Over the total budget (only with absurdly long client data): drop trailing fields first,
  // then shorten the description, so the status line always survives.
  while (embedSize(embed) > EMBED_LIMITS.total && embed.fields.length > 0) embed.fields.pop();
  const over = embedSize(embed) - EMBED_LIMITS.total;
  if (over > 0) embed.description = clip(embed.description, Math.max(1, embed.description.length - over));

  const buttons = view.buttons.slice(0, 5).map<ButtonComponent>((b) => ({
    type: 2,
    style: buttonStyle(b.style),
    label: clip(plainLine(b.label), 80),
    custom_id: customIdFor(b.id, ids),
  }));
  return {
    content: '',
    embeds: [embed],
    components: buttons.length > 0 ? [{ type: 1, components: buttons }] : [],
    allowedMentions: { parse: [] },
  };
}

/** A plain-text answer (usage, "client not found") as an escaped, mention-free message body. */
export function toTextMessage(text: string): { content: string; allowedMentions: { parse: [] } } {
  return { content: clip(escapeDiscord(text), 2000), allowedMentions: { parse: [] } };
}
