/** What a typed request asks for, before any look-up: a ping (or help), or a client's history. */
export type ParsedRequest = { kind: 'ping'; text: string } | { kind: 'help' } | { kind: 'history'; target: string };

const HISTORY_RE = /^\s*\/?(?:ping\s+)?(?:history|historial)(?:\s+(.*))?$/isu;
const HELP_RE = /^\s*\/?(?:ping\s+)?(?:help|ayuda|\?|-h|--help)\s*$/iu;

/** Splits `history <client>` off from a ping; everything else is parsed by the ping command parser. */
export function parseRequest(text: string): ParsedRequest {
  if (HELP_RE.test(text)) return { kind: 'help' };
  const h = HISTORY_RE.exec(text);
  if (h) return { kind: 'history', target: (h[1] ?? '').trim() };
  return { kind: 'ping', text };
}
