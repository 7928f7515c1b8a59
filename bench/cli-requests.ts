import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simInChild } from './load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => execFile(process.execPath, ['bin/pingops.js', ...args], { cwd: ROOT, env }, (_err, stdout) => resolve(stdout)));
}

/** The median; of an even count, the mean of the middle two. */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

/** Requests each `pingops check` cost, one process after another, on a store at `db`. */
async function stream(db: string, ids: number[]): Promise<number[]> {
  // The simulator at real speed in its own process, counting every request it serves.
  const sim = await simInChild();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DOTENV_CONFIG_PATH: join(ROOT, 'no-such-dotenv'),
    DOTENV_CONFIG_QUIET: 'true',
    PING_API_URL: sim.url,
    PINGOPS_DB: db,
  };
  const out: number[] = [];
  try {
    for (const id of ids) {
      const before = await sim.requests();
      await cli(['check', String(id), '--json', '--fresh'], env);
      out.push((await sim.requests()) - before);
    }
  } finally {
    await sim.close();
  }
  return out;
}

export interface CliRequestsRow {
  store: string;
  checks: number;
  requests_each: string;
  median: number;
  goal: string;
  met: boolean | string;
}

/**
 * Requests per verdict through the CLI (a new process per check, the simulator at real speed):
 * without a store, and with a warm one (its first round fills the card cache and the model).
 */
export async function benchCliRequests(): Promise<CliRequestsRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-cli-'));
  const ids = [1001, 1002, 1003, 1008];
  try {
    const [none, stored] = await Promise.all([stream(':memory:', ids), stream(join(dir, 'pingops.db'), [...ids, ...ids, ...ids, ...ids])]);
    const cold = stored.slice(0, ids.length);
    const warm = stored.slice(ids.length);
    return [
      { store: 'none (:memory:, as before)', checks: none.length, requests_each: none.join(' '), median: median(none), goal: '', met: '' },
      { store: 'first use of a new store', checks: cold.length, requests_each: cold.join(' '), median: median(cold), goal: '', met: '' },
      { store: 'warm store (cards < 5 min old)', checks: warm.length, requests_each: warm.join(' '), median: median(warm), goal: '<= 3', met: median(warm) <= 3 },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
