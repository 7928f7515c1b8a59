import { parseNocArgs, type NocCliCommand } from './noc/cli-args.js';

/** What the command line asked for. */
export type CliCommand =
  | NocCliCommand
  | { kind: 'check'; target: string; packets: number | null; json: boolean; fresh: boolean }
  | { kind: 'sim'; port: number | null }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

/** Parses `pingops check <target> [--packets N] [--json] [--fresh]`, `pingops sim [--port N]`, `pingops help`. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'check':
      return parseCheck(rest);
    case 'watch':
    case 'noc':
      return parseNocArgs(command, rest);
    case 'sim': {
      if (rest.length === 0) return { kind: 'sim', port: null };
      const [flag, value, ...extra] = rest;
      if (flag !== '--port' || extra.length > 0) return { kind: 'usage_error', message: `unknown option ${String(flag === '--port' ? extra[0] : flag).slice(0, 40)}` };
      const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) return { kind: 'usage_error', message: '--port takes a port number (0-65535)' };
      return { kind: 'sim', port: n };
    }
    default:
      return { kind: 'usage_error', message: `unknown command "${command.slice(0, 40)}"` };
  }
}

function parseCheck(args: readonly string[]): CliCommand {
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
