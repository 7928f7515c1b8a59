import { readFileSync } from 'node:fs';

/**
 * The Node flags in a `[NAME=value …] node … entry` command line: the options between `node` and
 * the entry script. package.json's `start` script is the one place the bot's flags and the
 * environment it starts with are written; the chat benches start the bot with them (so they
 * measure it as `npm start` runs it) and the deploy test holds the Dockerfile's CMD and ENV to them.
 */
export function nodeFlagsOf(command: string): string[] {
  const { words } = splitEnv(command);
  if (words[0] !== 'node') throw new Error(`not a node command line: ${command}`);
  const flags: string[] = [];
  for (const w of words.slice(1)) {
    if (!w.startsWith('-')) {
      // A flag with its value in the next word (`--max-old-space-size 512`) would make the value
      // look like the entry: the entry must be a script, and such flags are written with `=`.
      if (!/\.(c|m)?(j|t)s$/.test(w)) throw new Error(`'${w}' is not a script (write flags as --name=value) in: ${command}`);
      return flags;
    }
    if (!/^--?[a-z0-9-]+(=\S+)?$/i.test(w)) throw new Error(`unsupported flag form '${w}' in: ${command}`);
    flags.push(w);
  }
  throw new Error(`no entry script in: ${command}`);
}

const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=(\S*)$/;

/** A command line's leading `NAME=value` assignments, and the words after them. */
function splitEnv(command: string): { env: Record<string, string>; words: string[] } {
  const words = command.trim().split(/\s+/);
  const env: Record<string, string> = {};
  for (let m = ASSIGNMENT.exec(words[0] ?? ''); m; m = ASSIGNMENT.exec(words[0] ?? '')) {
    env[m[1] as string] = m[2] as string;
    words.shift();
  }
  return { env, words };
}

/** The environment a command line's leading `NAME=value` words set. */
export function commandEnvOf(command: string): Record<string, string> {
  return splitEnv(command).env;
}

function startScript(packageJson: string): string {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: { start?: string } };
  const start = pkg.scripts?.start;
  if (!start) throw new Error(`${packageJson} has no start script`);
  return start;
}

/** The flags `npm start` gives node (package.json `scripts.start`). */
export function startFlags(packageJson: string): string[] {
  return nodeFlagsOf(startScript(packageJson));
}

/** The environment `npm start` sets before node (package.json `scripts.start`). */
export function startEnv(packageJson: string): Record<string, string> {
  return commandEnvOf(startScript(packageJson));
}
