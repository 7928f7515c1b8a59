import type { types as slackTypes } from '@slack/bolt';
import { z } from 'zod';
import type { Locale } from '../../present/locale.js';
import type { Tone, View, ViewButton } from '../../present/view.js';
import { safeMrkdwn, safePlain } from './mrkdwn.js';
import { slackWords } from './words.js';

type KnownBlock = slackTypes.KnownBlock;
type Button = slackTypes.Button;
type MrkdwnElement = slackTypes.MrkdwnElement;
type PlainTextElement = slackTypes.PlainTextElement;
type SectionBlock = slackTypes.SectionBlock;

/** Block Kit limits we render within (https://api.slack.com/reference/block-kit). */
export const LIMITS = {
  sectionText: 3000,
  field: 2000,
  fieldsPerSection: 10,
  contextElement: 2000,
  buttonText: 75,
  buttonValue: 2000,
  blocks: 50,
  text: 40_000,
} as const;

/** The action ids of our buttons. */
export const ACTION_CANCEL = 'pingops_cancel';
export const ACTION_RERUN = 'pingops_rerun';
/** NOC incident buttons; their value carries the incident id (`k`). */
export const ACTION_NOC_ACK = 'pingops_noc_ack';
export const ACTION_NOC_SILENCE = 'pingops_noc_silence';
export const ACTION_NOC_CHECK = 'pingops_noc_check';

const ACTION_OF: Record<ViewButton['id'], string> = {
  cancel: ACTION_CANCEL,
  rerun: ACTION_RERUN,
  noc_ack: ACTION_NOC_ACK,
  noc_silence: ACTION_NOC_SILENCE,
  noc_check: ACTION_NOC_CHECK,
};

/**
 * Which message a view is drawn into: `root` is the compact channel card (it only changes at the
 * verdict, to spare the edit budget), `status` the live thread message under a root, `full` a
 * thread message with the card as well (mentions and DMs, where there is no root).
 */
export type MessageKind = 'root' | 'status' | 'full';

/** A message body for chat.postMessage / chat.update. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** What a button carries back. Slack echoes it; the handler re-checks everything it implies. */
export interface ButtonPayload {
  /** The conversation id: the stored check, so the button works after a restart. */
  k: string;
  /** Service id and packets, carried by buttons of versions before the store (Re-run falls back on them). */
  s?: number;
  p?: number | null;
}

const buttonPayloadSchema = z.object({
  k: z.string().max(100),
  s: z.number().int().positive().max(1_000_000_000).optional(),
  p: z.number().int().min(1).max(100).nullable().optional(),
});

/** Encodes a button value. */
export function encodeButtonValue(p: ButtonPayload): string {
  return JSON.stringify(p);
}

/** Decodes a button value, or null when it is not one of ours (never trust it further than that). */
export function decodeButtonValue(value: string | undefined): ButtonPayload | null {
  if (!value) return null;
  try {
    const parsed = buttonPayloadSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

// Unicode, not :shortcodes:: they lead plain_text lines, which must not turn a name's `:x:` into an emoji.
const TONE_EMOJI: Record<Tone, string> = {
  running: '⏳',
  good: '🟢',
  warn: '🟡',
  bad: '🔴',
  critical: '🚨',
  neutral: '⚪',
};

/** The emoji that colours a message by tone. */
export function toneEmoji(tone: Tone): string {
  return TONE_EMOJI[tone];
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });

const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(safeMrkdwnSection(text)) });

/**
 * Outside text (names, addresses, payment words, API messages, who cancelled) goes into
 * plain_text objects: Slack has no escape for mrkdwn's `*`, `_`, `~` and backticks, so a name
 * like `*Ana* _x_` would render bold and italic in mrkdwn. plain_text shows it as written and
 * parses no formatting; `emoji: false` keeps `:x:` literal. `&`, `<`, `>` are still sent as
 * entities (Slack stores every text object that way and echoes plain_text back encoded, e.g.
 * a button's "A & B" as "A &amp; B"), so no `<!channel>` is on the wire in any form, and bare
 * `@here` is neutralised as well.
 */
const plain = (text: string, max: number): PlainTextElement => ({ type: 'plain_text', text: safeMrkdwn(text, max), emoji: false });

const plainSection = (text: string): SectionBlock => ({ type: 'section', text: plain(text, LIMITS.sectionText) });

/** Section text is built from already-escaped pieces; only the length still needs bounding. */
function safeMrkdwnSection(escaped: string): string {
  return escaped.length <= LIMITS.sectionText ? escaped : `${escaped.slice(0, LIMITS.sectionText - 1)}…`;
}

function fieldBlocks(view: View): KnownBlock[] {
  const fields = view.fields.filter((f) => f.value.trim() !== '');
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    blocks.push({
      type: 'section',
      fields: fields.slice(i, i + LIMITS.fieldsPerSection).map((f) => {
        const label = f.label.slice(0, 200);
        return plain(`${label}: ${f.value}`, LIMITS.field);
      }),
    });
  }
  return blocks;
}

function button(b: ViewButton, value: string): Button {
  const el: Button = {
    type: 'button',
    action_id: ACTION_OF[b.id],
    text: { type: 'plain_text', text: safePlain(b.label, LIMITS.buttonText), emoji: true },
    value: value.slice(0, LIMITS.buttonValue),
  };
  if (b.style !== 'default') el.style = b.style;
  return el;
}

/** Renders one View as a Slack message of the given kind; pure, and every outside string is escaped. */
export function renderSlackMessage(view: View, kind: MessageKind, ctx: { locale: Locale; buttonValue: string }): SlackMessage {
  const title = view.title.slice(0, 500);
  const status = view.status.slice(0, 1000);
  const blocks: KnownBlock[] = [];

  if (kind === 'root') {
    const emoji = view.final ? toneEmoji(view.tone) : toneEmoji('running');
    const line = view.final ? status : slackWords(ctx.locale).rootRunning;
    blocks.push(plainSection(`${emoji} ${title}\n${line}`));
    blocks.push(...fieldBlocks(view));
  } else if (kind === 'full') {
    blocks.push(plainSection(`${toneEmoji(view.tone)} ${title}\n${status}`));
    blocks.push(...fieldBlocks(view));
  } else {
    // A verdict headline brings its own emoji; only running states need the tone's.
    blocks.push(plainSection(view.final ? status : `${toneEmoji(view.tone)} ${status}`));
  }

  if (view.warning) blocks.push(plainSection(`⚠️ ${view.warning}`));
  if (view.final && view.meaning) blocks.push(section(safeMrkdwn(view.meaning, LIMITS.sectionText)));
  if (view.footer && kind !== 'root') {
    blocks.push({ type: 'context', elements: [mrkdwn(safeMrkdwn(view.footer, LIMITS.contextElement))] });
  }
  // The root keeps no Cancel: it is not edited while the check runs, so a stale button would linger.
  const buttons = view.buttons.filter((b) => kind !== 'root' || b.id === 'rerun');
  if (buttons.length > 0) {
    blocks.push({ type: 'actions', elements: buttons.slice(0, 5).map((b) => button(b, ctx.buttonValue)) });
  }

  const text =
    kind === 'root' && !view.final
      ? `${safeMrkdwn(view.title, 500)}: ${safeMrkdwn(slackWords(ctx.locale).rootRunning, 200)}`
      : safeMrkdwn(view.text, LIMITS.text);
  return { text, blocks: capBlocks(blocks) };
}

/** Keeps within 50 blocks, dropping from the middle so the headline and the buttons stay. */
function capBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= LIMITS.blocks) return blocks;
  const last = blocks[blocks.length - 1];
  const head = blocks.slice(0, LIMITS.blocks - 1);
  return last && last.type === 'actions' ? [...head, last] : blocks.slice(0, LIMITS.blocks);
}

/** The requester's notification as fallback text (mrkdwn): mention first. */
export function renderMention(userId: string, notice: string): string {
  // The user id comes from Slack's signed payload, but keep it to the id alphabet all the same.
  const id = userId.replace(/[^A-Z0-9]/gi, '');
  return `<@${id}> ${safeMrkdwn(notice, LIMITS.text - 40)}`;
}

/** Longest text element we put in a rich_text block. */
const RICH_TEXT_MAX = 3000;

/**
 * The requester's notification: a new thread reply (edits notify nobody). A rich_text block
 * carries the mention as a `user` element and the notice (which names the client) as a literal
 * `text` element, so no `*`, `_` or `~` in a name turns into formatting.
 */
export function renderMentionMessage(userId: string, notice: string): SlackMessage {
  const id = userId.replace(/[^A-Z0-9]/gi, '');
  const block = {
    type: 'rich_text',
    elements: [
      {
        type: 'rich_text_section',
        elements: [
          { type: 'user', user_id: id },
          { type: 'text', text: ` ${safeMrkdwn(notice, RICH_TEXT_MAX)}` },
        ],
      },
    ],
  } as KnownBlock;
  return { text: renderMention(userId, notice), blocks: [block] };
}

/**
 * A private answer (a refusal, an ambiguity list with client names) as literal text: the
 * fallback is escaped mrkdwn, the block plain_text, so names keep their `*` and `_`.
 */
export function renderPlainReply(text: string): SlackMessage {
  return { text: safeMrkdwn(text, LIMITS.text), blocks: [plainSection(text)] };
}
