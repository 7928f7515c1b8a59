import type { types as slackTypes } from '@slack/bolt';
import { z } from 'zod';
import type { Locale } from '../../present/locale.js';
import type { Tone, View, ViewButton } from '../../present/view.js';
import { safeMrkdwn, safePlain } from './mrkdwn.js';
import { slackWords } from './words.js';

type KnownBlock = slackTypes.KnownBlock;
type Button = slackTypes.Button;
type MrkdwnElement = slackTypes.MrkdwnElement;
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

const TONE_EMOJI: Record<Tone, string> = {
  running: ':hourglass_flowing_sand:',
  good: ':large_green_circle:',
  warn: ':large_yellow_circle:',
  bad: ':red_circle:',
  critical: ':rotating_light:',
  neutral: ':white_circle:',
};

/** The emoji that colours a message by tone. */
export function toneEmoji(tone: Tone): string {
  return TONE_EMOJI[tone];
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });

const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(safeMrkdwnSection(text)) });

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
        const label = safeMrkdwn(f.label, 200);
        return mrkdwn(`*${label}*\n${safeMrkdwn(f.value, LIMITS.field - label.length - 4)}`);
      }),
    });
  }
  return blocks;
}

function button(b: ViewButton, value: string): Button {
  const el: Button = {
    type: 'button',
    action_id: b.id === 'cancel' ? ACTION_CANCEL : ACTION_RERUN,
    text: { type: 'plain_text', text: safePlain(b.label, LIMITS.buttonText), emoji: true },
    value: value.slice(0, LIMITS.buttonValue),
  };
  if (b.style !== 'default') el.style = b.style;
  return el;
}

/** Renders one View as a Slack message of the given kind; pure, and every outside string is escaped. */
export function renderSlackMessage(view: View, kind: MessageKind, ctx: { locale: Locale; buttonValue: string }): SlackMessage {
  const title = safeMrkdwn(view.title, 500);
  const status = safeMrkdwn(view.status, 1000);
  const blocks: KnownBlock[] = [];

  if (kind === 'root') {
    const emoji = view.final ? toneEmoji(view.tone) : toneEmoji('running');
    const line = view.final ? `*${status}*` : safeMrkdwn(slackWords(ctx.locale).rootRunning, 200);
    blocks.push(section(`${emoji} *${title}*\n${line}`));
    blocks.push(...fieldBlocks(view));
  } else if (kind === 'full') {
    blocks.push(section(`${toneEmoji(view.tone)} *${title}*\n${status}`));
    blocks.push(...fieldBlocks(view));
  } else {
    // A verdict headline brings its own emoji; only running states need the tone's.
    blocks.push(section(view.final ? `*${status}*` : `${toneEmoji(view.tone)} *${status}*`));
  }

  if (view.warning) blocks.push(section(`:warning: ${safeMrkdwn(view.warning, LIMITS.sectionText - 20)}`));
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
      ? `${title}: ${safeMrkdwn(slackWords(ctx.locale).rootRunning, 200)}`
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

/** The requester's notification: a new thread reply (edits notify nobody), mention first. */
export function renderMention(userId: string, notice: string): string {
  // The user id comes from Slack's signed payload, but keep it to the id alphabet all the same.
  const id = userId.replace(/[^A-Z0-9]/gi, '');
  return `<@${id}> ${safeMrkdwn(notice, LIMITS.text - 40)}`;
}
