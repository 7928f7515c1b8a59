/** What the command line asked for. */
export type CliCommand =
  | { kind: 'check'; target: string; packets: number | null; json: boolean; fresh: boolean }
  | { kind: 'sim'; port: number | null; dialect: 'v1' | 'plain' | 'wisphub' | null }
  | { kind: 'help' }
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
    case 'check':
      return parseCheck(rest);
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
