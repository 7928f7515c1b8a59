import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CARD_TRUST_MS } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { killStarted, MAIN, REPO_ROOT, startProgram, testEnv, until } from '../support/spawn.js';

// The bot's store as the operating system sees it: how many times the process opened the
// file, and what a file it may not write does at start.

const cleanup: (() => void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) cleanup.pop()?.();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-e2e-store-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every open descriptor, in every process, on `path` (Linux /proc). */
function descriptorsOn(path: string): { pid: string; fd: string }[] {
  const out: { pid: string; fd: string }[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) out.push({ pid, fd });
      } catch {
        // Closed while we looked.
      }
    }
  }
  return out;
}

describe.runIf(existsSync('/proc/self/fd'))('the store of a running bot', () => {
  it('is one connection: the database file is open once in the whole process (the NOC, hooks and the shell included)', async () => {
    const path = join(tempDir(), 'pingops.db');
    const bot = startProgram(MAIN, { env: testEnv({ PINGOPS_DB: path, HOOKS_TOKEN: 'store-e2e-hooks-token-0123456789', LOG_LEVEL: 'info' }), keepOpen: true });
    await bot.waitFor('http server listening', 'stderr', 30_000);
    await bot.waitFor('alert hooks mounted', 'stderr', 30_000);
    // A check through the shell: the store is written, not only opened.
    await bot.waitFor('Ping API answered /health: ready', 'stderr', 30_000);
    bot.write('/ping 1001\n');
    await bot.waitFor('Ana Morales · 1001: ✅ Stable connection', 'stdout', 30_000);
    const open = await until(() => {
      const fds = descriptorsOn(path);
      return fds.length > 0 && fds;
    }, 'the database file open');
    expect(open).toHaveLength(1);
    expect(descriptorsOn(`${path}-wal`)).toHaveLength(1);
    bot.endInput();
    expect((await bot.exited).code).toBe(0);
  }, 90_000);
});

describe('a PINGOPS_DB this process may not write', () => {
  it('stops the start with an error naming PINGOPS_DB, never "IN MEMORY", and leaves no -wal or -shm behind', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const path = join(dir, 'pingops.db');
    // A store of an earlier run (migrated, closed cleanly), left mode 0444 by an operator.
    await openSqliteDatabase({ path, logger: silentLogger, clock: systemClock, cardTtlMs: CARD_TRUST_MS, checkEveryMs: 0 }).close();
    expect(readdirSync(dir)).toEqual(['pingops.db']);
    chmodSync(path, 0o444);
    // root may write any file: the bot runs as another user, as a service account would.
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const child = spawn(process.execPath, [...MAIN], { cwd: REPO_ROOT, env: testEnv({ PINGOPS_DB: path, HOME: dir }), stdio: ['ignore', 'pipe', 'pipe'], ...asOther });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toMatch(new RegExp(`PINGOPS_DB=${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the file is not writable`));
    expect(stderr).not.toMatch(/IN MEMORY/);
    expect(readdirSync(dir)).toEqual(['pingops.db']);
  }, 60_000);
});
