import { parseTarget } from '../directory/target.js';
import type { Target, TargetError } from '../directory/types.js';

/** What a `/ping` (or a mention) asked for. */
export type PingCommand =
  | { kind: 'ping'; target: Target; packets: number | null }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: TargetError | CommandError };

/** What is wrong with the words after the client, as opposed to the client itself. */
export type CommandError = 'bad_packets' | 'one_client' | 'extra_numbers';

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
/** A service id as typed first (`1001`, `client-1001`, `#1001`), and whatever follows it. */
const ID_HEAD_RE = /^((?:client-|cliente-|#)?\d{1,10})\s+(.+)$/isu;
/** Something meant as a number that is not a whole positive one: `-1`, `1.5`, `+3`, `2,5`. */
const NOT_A_COUNT_RE = /^[-+]\d+(?:[.,]\d+)?$|^\d+[.,]\d+$/u;
/** Lengths of a phone written in digit groups: a landline (7), a mobile (10), with 57 first (12). */
const PHONE_DIGITS = new Set([7, 10, 12]);

/**
 * Mistakes after a service id that would otherwise be blamed on the id or read as a phone:
 * `1001 -1` and `1001 1.5` (a bad packet count), `1001 1002` (two clients), `1001 6 7` (two counts).
 */
function afterIdError(body: string): CommandError | null {
  const m = ID_HEAD_RE.exec(body);
  if (!m?.[1] || !m[2]) return null;
  const rest = m[2].trim().split(/\s+/u);
  if (rest.length === 1 && NOT_A_COUNT_RE.test(rest[0] ?? '')) return 'bad_packets';
  const groups = [m[1].replace(/\D/gu, ''), ...rest];
  if (!groups.every((g) => /^\d+$/u.test(g))) return null;
  // Digit groups that add up to a phone stay a phone (`310 4445566`, `444 55 66`).
  if (PHONE_DIGITS.has(groups.join('').length)) return null;
  if (rest.length === 1) return (rest[0]?.length ?? 0) > PACKETS_DIGITS_MAX ? 'one_client' : null;
  return 'extra_numbers';
}

/**
 * Parses what follows `/ping` (or a mention's text after the bot's name): a target and an
 * optional packet count, or a request for help. A trailing number is a packet count only after
 * a service id, a document or a name: a phone written in groups keeps all its digits.
 */
export function parsePingCommand(text: string): PingCommand {
  const body = text.trim().replace(LEADING_PING_RE, '').trim();
  if (HELP_WORDS.has(body.toLowerCase())) return { kind: 'help' };
  const mistake = afterIdError(body);
  if (mistake) return { kind: 'invalid', reason: mistake };

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
