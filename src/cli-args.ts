import { parseDuration } from './util/duration.js';
import { parseNocArgs, type NocCliCommand } from './noc/cli-args.js';

/** What the command line asked for. */
export type CliCommand =
  | NocCliCommand
  | { kind: 'check'; target: string; packets: number | null; json: boolean; fresh: boolean }
  | { kind: 'history'; target: string; json: boolean }
  | { kind: 'audit'; sinceMs: number; json: boolean }
  | { kind: 'sim'; port: number | null; dialect: 'v1' | 'plain' | 'wisphub' | null }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage_error'; message: string };

/** Parses `pingops check <target> [--packets N] [--json] [--fresh]`, `pingops sim [--port N] [--dialect D]`, `pingops help`. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'version':
    case '--version':
    case '-V':
      return { kind: 'version' };
    case 'check':
      return parseCheck(rest);
    case 'history':
      return parseHistory(rest);
    case 'audit':
      return parseAudit(rest);
    case 'watch':
    case 'noc':
      return parseNocArgs(command, rest);
    case 'sim':
      return parseSim(rest);
    default:
      return { kind: 'usage_error', message: `unknown command "${command.slice(0, 40)}"` };
  }
}

const DIALECTS = ['v1', 'plain', 'wisphub'] as const;

function parseSim(args: readonly string[]): CliCommand {
  let port: number | null = null;
  let dialect: (typeof DIALECTS)[number] | null = null;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? '';
    const [name, inline] = flag.startsWith('--') && flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    if (name === '--port') {
      const value = inline ?? args[++i];
      const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) return { kind: 'usage_error', message: '--port takes a port number (0-65535)' };
      port = n;
    } else if (name === '--dialect') {
      const value = inline ?? args[++i];
      const d = DIALECTS.find((x) => x === value);
      if (!d) return { kind: 'usage_error', message: '--dialect takes v1, plain or wisphub' };
      dialect = d;
    } else {
      return { kind: 'usage_error', message: `unknown option ${flag.slice(0, 40)}` };
    }
  }
  return { kind: 'sim', port, dialect };
}

const HELP_FLAGS = new Set(['--help', '-h', 'help']);
const DAY_MS = 24 * 3_600_000;

function parseHistory(args: readonly string[]): CliCommand {
  if (args.some((a) => HELP_FLAGS.has(a))) return { kind: 'help' };
  const json = args.includes('--json');
  const words = args.filter((a) => a !== '--json');
  const bad = words.find((a) => /^-[A-Za-z-]/.test(a));
  if (bad) return { kind: 'usage_error', message: `unknown option ${bad.slice(0, 40)}` };
  if (words.length === 0) return { kind: 'usage_error', message: 'history needs a client: a service id, phone, document or name' };
  return { kind: 'history', target: words.join(' '), json };
}

function parseAudit(args: readonly string[]): CliCommand {
  if (args.some((a) => HELP_FLAGS.has(a))) return { kind: 'help' };
  let json = false;
  let sinceMs = DAY_MS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--since' || a.startsWith('--since=')) {
      const v = a.includes('=') ? a.slice('--since='.length) : (args[++i] ?? '');
      const ms = parseDuration(v);
      if (ms === null) return { kind: 'usage_error', message: '--since takes a duration such as 30m, 24h or 7d' };
      sinceMs = ms;
    } else return { kind: 'usage_error', message: `unknown option ${a.slice(0, 40)}` };
  }
  return { kind: 'audit', sinceMs, json };
}

function parseCheck(args: readonly string[]): CliCommand {
  // `check --help` is a question, not a mistake.
  if (args.some((a) => HELP_FLAGS.has(a))) return { kind: 'help' };
  let packets: number | null = null;
  let json = false;
  let fresh = false;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--fresh') fresh = true;
    else if (a === '--packets' || a.startsWith('--packets=')) {
      const v = a.includes('=') ? a.slice('--packets='.length) : args[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 20) return { kind: 'usage_error', message: '--packets takes a whole number from 1 to 20' };
      packets = n;
    } else if (/^-[A-Za-z-]/.test(a)) return { kind: 'usage_error', message: `unknown option ${a.slice(0, 40)}` };
    else words.push(a);
  }
  if (words.length === 0) return { kind: 'usage_error', message: 'check needs a target: a service id, phone, document or name' };
  return { kind: 'check', target: words.join(' '), packets, json, fresh };
}


/** Exit codes in the monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
export function exitCodeFor(verdict: string): 0 | 1 | 2 | 3 {
  switch (verdict) {
    case 'stable':
      return 0;
    case 'intermittent':
    case 'antenna_only':
      return 1;
    case 'no_internet':
      return 2;
    default:
      return 3;
  }
}
