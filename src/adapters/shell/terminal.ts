import type { Tone, View } from '../../present/view.js';

/** Whole escape sequences (CSI, OSC, two-byte ESC, 8-bit CSI), so none of their text is left behind. */
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-~]|\u009b[0-?]*[ -/]*[@-~]/g;
/** Any other control or direction-changing character; newline and tab stay for multi-line answers. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes escape sequences and control characters (terminal injection) from outside text. */
export function sanitizeTerminal(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, '');
}

const TONE_COLOUR: Record<Tone, string> = {
  running: '\x1b[90m',
  neutral: '\x1b[37m',
  good: '\x1b[32m',
  warn: '\x1b[33m',
  bad: '\x1b[31m',
  critical: '\x1b[1;31m',
};
const RESET = '\x1b[0m';

/** One status line for a running check: `[Ana Morales · 1001] Polling · attempt 2 · 4.9 s`, cut to `width`. */
export function statusLine(view: View, colour: boolean, width = Infinity): string {
  const full = `[${sanitizeTerminal(view.title)}] ${sanitizeTerminal(view.status)}`;
  const chars = [...full];
  const line = chars.length > width ? `${chars.slice(0, Math.max(1, width - 1)).join('')}…` : full;
  return colour ? `${TONE_COLOUR[view.tone]}${line}${RESET}` : line;
}

/** The final card of a check, several lines, the same words as the chat surfaces. */
export function finalCard(view: View, colour: boolean): string {
  const paint = (s: string) => (colour ? `${TONE_COLOUR[view.tone]}${s}${RESET}` : s);
  const lines = [paint(`${sanitizeTerminal(view.title)}: ${sanitizeTerminal(view.status)}`)];
  if (view.warning) lines.push(`  ! ${sanitizeTerminal(view.warning)}`);
  if (view.meaning) lines.push(`  ${sanitizeTerminal(view.meaning)}`);
  for (const f of view.fields) lines.push(`  ${sanitizeTerminal(f.label)}: ${sanitizeTerminal(f.value)}`);
  if (view.footer) lines.push(`  ${sanitizeTerminal(view.footer)}`);
  return lines.join('\n');
}
