/**
 * Escaping for Slack's mrkdwn. Every string that came from outside (client names, addresses,
 * Ping API messages) passes through `escapeMrkdwn` before it reaches a message, so that
 * `<!channel>`, `<@U…>`, `<http://evil|link>` and bare `@here` stay inert text.
 */

/** U+2060 WORD JOINER: invisible, and it stops Slack from reading `@here` as a broadcast. */
const JOINER = '\u2060';

const BROADCAST = /@(here|channel|everyone)\b/gi;

/** Escapes `&`, `<`, `>` (Slack's only control characters) and neutralises bare broadcast mentions. */
export function escapeMrkdwn(text: string): string {
  return neutraliseBroadcasts(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/** Inserts a word joiner after `@` in `@here`/`@channel`/`@everyone`; for plain_text objects, which need no entity escaping. */
export function neutraliseBroadcasts(text: string): string {
  return text.replace(BROADCAST, (_m, word: string) => `@${JOINER}${word}`);
}

/**
 * Cuts an already escaped string to at most `max` characters, ending with `…` when cut. Never leaves
 * half an entity (`&am`) or half a surrogate pair at the end.
 */
export function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escapes then truncates: the usual path from untrusted text to a mrkdwn field of bounded size. */
export function safeMrkdwn(text: string, max: number): string {
  return truncateEscaped(escapeMrkdwn(text), max);
}

/** Neutralises then truncates, for plain_text objects (button labels, fallbacks shown verbatim). */
export function safePlain(text: string, max: number): string {
  return truncateEscaped(neutraliseBroadcasts(text), max);
}
