import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A clean environment: the simulator, no chat tokens, no developer .env. */
export function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    DOTENV_CONFIG_PATH: join(ROOT, 'no-such-dotenv'),
    DOTENV_CONFIG_QUIET: 'true',
    PORT: '0',
    ...extra,
  };
}

/** Milliseconds from spawn until `ready` appears on stderr (then the process is stopped), or until exit. */
function timeRun(cmd: string, args: string[], e: NodeJS.ProcessEnv, ready: RegExp | null): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no ready line within 30 s\n${err.slice(-2000)}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (ready && !done && ready.test(err)) {
        done = true;
        const ms = performance.now() - start;
        child.once('close', () => {
          clearTimeout(timer);
          resolve({ ms, stdout: out });
        });
        child.kill('SIGTERM');
      }
    });
    child.on('close', () => {
      if (done) return;
      clearTimeout(timer);
      if (ready) reject(new Error(`${cmd} exited before ready\n${err.slice(-2000)}`));
      else resolve({ ms: performance.now() - start, stdout: out });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface StartRow {
  what: string;
  runs: number;
  median_ms: number;
  min_ms: number;
  goal: string;
  met: boolean | string;
}

/**
 * Start-up: `npm start` to ready (the Ping API simulator answered /health) and the overhead of
 * `pingops check` (wall time minus the check's own elapsed_ms), built JS against tsx.
 */
export async function benchStart(runs = 5): Promise<StartRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-start-'));
  const rows: StartRow[] = [];
  const ready = /Ping API answered \/health: ready/;
  // Each start on a store of its own, as a first `npm start` has: on a shared one the request
  // budget (kept in the store, one for every process on it) is spent by the starts just before,
  // each of which probes the Ping API and runs a NOC round: after a few starts in quick
  // succession the /health probe waited about a second for credit, and the row measured that.
  const mainEnv = (start: string) => env({ LOG_LEVEL: 'info', PINGOPS_DB: join(dir, `${start}.db`) });
  const starts: [string, string, string[], number | null][] = [
    ['npm start (to ready)', 'npm', ['start', '--silent'], 1000],
    ['node bin/start.js (to ready)', process.execPath, ['bin/start.js'], 1000],
    ['node dist/main.js (to ready)', process.execPath, ['dist/main.js'], null],
    ['tsx src/main.ts (to ready, before)', process.execPath, ['--import', 'tsx', 'src/main.ts'], null],
  ];
  for (const [what, cmd, args, goal] of starts) {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push((await timeRun(cmd, args, mainEnv(`main-${rows.length}-${i}`), ready)).ms);
    rows.push({ what, runs, median_ms: Math.round(median(ms)), min_ms: Math.round(Math.min(...ms)), goal: goal ? `< ${goal} ms` : '', met: goal ? median(ms) < goal : '' });
  }
  // The CLI with a warm store: a fast simulator so the check itself is short; overhead = wall - elapsed_ms.
  const cliEnv = env({ PINGOPS_DB: join(dir, 'cli.db'), SIM_SPEED: '20' });
  const checks: [string, string, string[], number | null][] = [
    ['npx pingops check (overhead)', 'npx', ['--no-install', 'pingops', 'check', '1001', '--json'], 500],
    ['node bin/pingops.js check (overhead)', process.execPath, ['bin/pingops.js', 'check', '1001', '--json'], 500],
    ['node dist/cli.js check (overhead)', process.execPath, ['dist/cli.js', 'check', '1001', '--json'], null],
    ['tsx src/cli.ts check (overhead, before)', process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check', '1001', '--json'], null],
  ];
  await timeRun(process.execPath, ['bin/pingops.js', 'check', '1001', '--json', '--fresh'], cliEnv, null); // warms the store
  for (const [what, cmd, args, goal] of checks) {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await timeRun(cmd, [...args, '--fresh'], cliEnv, null);
      const elapsed = (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { elapsed_ms?: number }).elapsed_ms ?? NaN;
      ms.push(r.ms - elapsed);
    }
    rows.push({ what, runs, median_ms: Math.round(median(ms)), min_ms: Math.round(Math.min(...ms)), goal: goal ? `< ${goal} ms` : '', met: goal ? median(ms) < goal : '' });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}
