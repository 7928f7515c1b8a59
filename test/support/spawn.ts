import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout the programs run from (tsx and the sources are resolved from here). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `npm start`: the composition root (shell REPL when no chat token is set). */
export const MAIN = ['--import', 'tsx', 'src/main.ts'] as const;
/** `npx pingops …`: the CLI entry as installed. */
export const CLI = ['bin/pingops.js'] as const;

// Only what Node itself needs; every PING_/SLACK_/DISCORD_/SIM_ setting comes from the test.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT', 'LANG'];

let spawnedStores = 0;
let storeDir: string | null = null;
// Registered while the importing test file is collected, so it runs after that file.
afterAll(() => {
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  storeDir = null;
});

/** One temporary folder per test file for the spawned programs' stores, removed after the file. */
function storeFolder(): string {
  if (!storeDir) {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-test-'));
    storeDir = dir;
  }
  return storeDir;
}

/**
 * A scrubbed environment for a spawned pingops: no chat tokens, a fast simulator, a free HTTP
 * port and English, plus `overrides` (an undefined value removes a default).
 */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const name of INHERITED) env[name] = process.env[name];
  Object.assign(
    env,
    {
      SIM_SPEED: '50',
      PING_INITIAL_DELAY_MS: '0',
      PORT: '0',
      LOCALE: 'en',
      // Never the checkout's ./data: each spawned program gets its own store.
      PINGOPS_DB: join(storeFolder(), `store-${++spawnedStores}.db`),
      // A developer's .env in the checkout must not leak tokens or settings into the test.
      DOTENV_CONFIG_PATH: fileURLToPath(new URL('./no-such-dotenv', import.meta.url)),
      DOTENV_CONFIG_QUIET: 'true',
    },
    overrides,
  );
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** How a spawned program ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running pingops process with its output collected as it arrives. */
export interface Program {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  write(text: string): void;
  /** Closes stdin: end of input, as Ctrl+D or the end of a pipe. */
  endInput(): void;
  signal(sig: NodeJS.Signals): void;
  /** Resolves once `pattern` appears on the stream; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp | string, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
  readonly exited: Promise<Exit>;
}

const started = new Set<ChildProcessWithoutNullStreams>();

/**
 * Starts `node <args>` in the checkout; `input` is written to stdin, which closes unless `keepOpen`.
 * `stdin: 'null'` gives it `/dev/null` instead of a pipe, as systemd or `docker run` without `-i` do.
 */
export function startProgram(args: readonly string[], opts: { env: NodeJS.ProcessEnv; input?: string; keepOpen?: boolean; stdin?: 'pipe' | 'null' }): Program {
  const devNull = opts.stdin === 'null';
  // With 'ignore' Node opens /dev/null for the child; its stdin stream is then absent (writes go nowhere).
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: opts.env, stdio: [devNull ? 'ignore' : 'pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  started.add(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of waiters) w();
  });
  // A process that exits early closes its stdin; writing then must not crash the test runner.
  child.stdin?.on('error', () => {});
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      started.delete(child);
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  if (!devNull && opts.input !== undefined) child.stdin.write(opts.input);
  if (!devNull && !opts.keepOpen) child.stdin.end();

  const describe = () => `\n--- stdout ---\n${out}\n--- stderr ---\n${err.slice(-4000)}`;
  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    write: (text) => void child.stdin?.write(text),
    endInput: () => void child.stdin?.end(),
    signal: (sig) => void child.kill(sig),
    exited,
    waitFor(pattern, stream = 'stdout', timeoutMs = 15_000) {
      const seen = () => {
        const text = stream === 'stdout' ? out : err;
        return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
      };
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (seen()) finish(null);
          else if (done || child.exitCode !== null || child.signalCode !== null) finish(new Error(`process exited before ${String(pattern)} on ${stream}${describe()}`));
        };
        const timer = setTimeout(() => finish(new Error(`no ${String(pattern)} on ${stream} within ${timeoutMs} ms${describe()}`)), timeoutMs);
        const finish = (e: Error | null) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs a program to its end and returns its exit and both outputs. */
export async function runProgram(
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; input?: string },
): Promise<Exit & { stdout: string; stderr: string }> {
  const p = startProgram(args, opts);
  const exit = await p.exited;
  return { ...exit, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills (by pid) every program a test started and left running; for `afterEach`. */
export async function killStarted(): Promise<void> {
  const left = [...started];
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Every line of `text` that parses as a JSON object (a pino log line, say). */
export function jsonLines(text: string): object[] {
  return text.split('\n').flatMap((line) => {
    if (!line.trim().startsWith('{')) return [];
    try {
      const v: unknown = JSON.parse(line);
      return v && typeof v === 'object' ? [v] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Polls `probe` every 50 ms of real time until it answers (anything but undefined or false), for
 * what a separate process does in its own time; throws naming `what` after `timeoutMs`.
 */
export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
