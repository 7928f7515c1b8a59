import { parseTarget } from '../directory/target.js';
import type { Target, TargetError } from '../directory/types.js';

/** What a `/ping` (or a mention) asked for. */
export type PingCommand =
  | { kind: 'ping'; target: Target; packets: number | null }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: TargetError | 'bad_packets' };

/** Fewest packets a person may ask for in one task (config PING_PACKETS has the same bounds). */
export const PACKETS_MIN = 1;
/** Most packets a person may ask for: each one is router time on the ISP's side. */
export const PACKETS_MAX = 20;

/** Digits a packet count can have when someone types one out of range (`1001 500`). */
const PACKETS_DIGITS_MAX = 3;
const HELP_WORDS = new Set(['help', 'ayuda', '?', '-h', '--help']);
/** The command word itself, when a mention or a pasted line still carries it. */
const LEADING_PING_RE = /^\/?ping(?:\s+|$)/iu;
const TRAILING_INT_RE = /^(.*\S)\s+(\d+)$/su;

/**
 * Parses what follows `/ping` (or a mention's text after the bot's name): a target and an
 * optional packet count, or a request for help. A trailing number is a packet count only after
 * a service id, a document or a name: a phone written in groups keeps all its digits.
 */
export function parsePingCommand(text: string): PingCommand {
  const body = text.trim().replace(LEADING_PING_RE, '').trim();
  if (HELP_WORDS.has(body.toLowerCase())) return { kind: 'help' };

  const split = TRAILING_INT_RE.exec(body);
  // A group of four or more digits is part of a phone (`310 4445566`), never a packet count.
  if (split?.[1] !== undefined && split[2] !== undefined && split[2].length <= PACKETS_DIGITS_MAX) {
    const head = parseTarget(split[1]);
    if (head.ok && head.target.kind !== 'phone') {
      const packets = Number(split[2]);
      if (packets < PACKETS_MIN || packets > PACKETS_MAX) return { kind: 'invalid', reason: 'bad_packets' };
      return { kind: 'ping', target: head.target, packets };
    }
    // `3104445566 4`: a bare number too big for a service id stays an id error, not a phone.
    if (!head.ok && head.error === 'bad_id' && /^\d+$/u.test(split[1])) return { kind: 'invalid', reason: 'bad_id' };
  }

  const whole = parseTarget(body);
  return whole.ok ? { kind: 'ping', target: whole.target, packets: null } : { kind: 'invalid', reason: whole.error };
}
