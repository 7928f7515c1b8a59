import { parsePingCommand } from '../../chat/command.js';
import { parseRequest } from '../../chat/request.js';

/**
 * Discord's first answer to a `/ping`, decided from the words alone, before any I/O. A cold
 * client look-up takes longer than a first answer should (and Discord allows 3 s in all), so
 * whatever needs one is deferred at once; only what the engine answers without I/O is left to
 * its own (ephemeral) reply.
 */
export type FirstAnswer =
  /** Help or a typo: the engine's ephemeral reply is the first answer (one call, private). */
  | { kind: 'reply' }
  /** A private answer behind a look-up (history): "thinking…" only the requester sees, then the text. */
  | { kind: 'defer'; visibility: 'private' }
  /** A check, unless the look-up refuses it: the public deferral its card will replace. */
  | { kind: 'defer'; visibility: 'public' };

/** What `/ping client:<text>` is answered with first; the engine parses the same text the same way. */
export function firstAnswer(text: string): FirstAnswer {
  const r = parseRequest(text);
  if (r.kind === 'help') return { kind: 'reply' };
  if (r.kind === 'history') return parsePingCommand(r.target).kind === 'ping' ? { kind: 'defer', visibility: 'private' } : { kind: 'reply' };
  return parsePingCommand(r.text).kind === 'ping' ? { kind: 'defer', visibility: 'public' } : { kind: 'reply' };
}
