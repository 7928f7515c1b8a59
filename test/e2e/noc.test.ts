import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, killStarted, MAIN, runProgram, startProgram, testEnv } from '../support/spawn.js';

const dirs: string[] = [];
afterEach(async () => {
  await killStarted();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-noc-e2e-'));
  dirs.push(dir);
  return join(dir, 'pingops.db');
}

/** Short NOC durations and a generous rate, so the story plays in seconds on a fast simulator. */
const nocEnv = (db: string, extra: Record<string, string> = {}) =>
  testEnv({ PINGOPS_DB: db, PING_API_RATE_PER_MIN: '6000', NOC_INTERVAL: '2s', NOC_ROUND_MIN: '1s', NOC_QUICK_CONFIRM: '300ms', LOG_LEVEL: 'warn', ...extra });
const cli = (db: string, args: string[]) => runProgram([...CLI, ...args], { env: nocEnv(db) });

describe('pingops watch (the watch list in the store)', () => {
  it('adds, lists, silences and removes entries; bad arguments get a clear answer and exit 3', async () => {
    const db = storePath();
    expect(await cli(db, ['watch', 'add', 'router:91', 'every', '2m'])).toMatchObject({ code: 0, stdout: 'Watching router:91 every 2 min (a running bot picks it up within one interval).\n' });
    expect((await cli(db, ['watch', 'add', '1006'])).stdout).toContain('Watching client:1006 every 2 s');
    expect((await cli(db, ['watch', 'add', 'all'])).code).toBe(0);
    expect((await cli(db, ['watch', 'silence', 'router:91', '1h', 'fibre', 'work'])).stdout).toMatch(/^Silenced router:91 for 1 h/);
    const list = await cli(db, ['watch', 'list']);
    // An hour's silence started after 23:00 ends tomorrow, which the list writes with its day.
    expect(list.stdout).toMatch(/^router:91 every 2 min\nclient:1006 every 2 s\nall every 2 s\nsilenced: router:91 until (\d\d:\d\d:\d\d|\w{3} \d{1,2} \w{3}( \d{4})? \d\d:\d\d) \(fibre work\)\n$/);
    expect(await cli(db, ['watch', 'remove', 'client:1006'])).toMatchObject({ code: 0, stdout: 'No longer watching client:1006.\n' });
    expect(await cli(db, ['watch', 'remove', 'client:1006'])).toMatchObject({ code: 3, stdout: 'client:1006 was not watched.\n' });
    const bad = await cli(db, ['watch', 'add', 'sector:9']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('pingops: watch add needs a target: a client id (1001, client:1001) or name, router:N, zone:N or all');
    expect((await cli(db, ['watch', 'silence', 'router:91', 'soon'])).stderr).toContain('a duration such as 2h');
  }, 60_000);
});

describe('the bot runs the NOC watcher (shell surface, simulator outage script)', () => {
  it('prints one router incident and its recovery; a kill -9 in the middle opens no second one', async () => {
    const db = storePath();
    expect((await cli(db, ['watch', 'add', 'router:91'])).code).toBe(0);
    const env = nocEnv(db, { SIM_OUTAGES: 'router:91@2s+10s' });
    const first = startProgram(MAIN, { env, keepOpen: true });
    await first.waitFor(/NOC \d\d:\d\d:\d\d DOWN #1 RB-9\.1 \(Zona 9\): \d+ of \d+ checked down/, 'stdout', 30_000);
    expect(first.stdout()).toMatch(/^NOC plan: 20 clients on 1 router; sampling 1 per router; one round every 1 s/m);
    const status = await cli(db, ['noc', 'status']);
    // Mid-outage the plan also counts the clients it follows after a change.
    expect(status.stdout).toMatch(/^Plan: 20 clients on 1 router; sampling 1 per router; (\d+ followed after a change; )?one round every 1 s/m);
    expect(status.stdout).toMatch(/#1 RB-9\.1 \(Zona 9\) \[router:91\] · \d+ of \d+ down · since/);
    first.signal('SIGKILL');
    await first.exited;
    // The outage goes on across the restart (the script runs on the new process's clock), then ends.
    const second = startProgram(MAIN, { env: { ...env, SIM_OUTAGES: 'router:91@0s+5s' }, keepOpen: true });
    await second.waitFor(/NOC \d\d:\d\d:\d\d BACK #1 RB-9\.1 \(Zona 9\) after/, 'stdout', 40_000);
    expect(second.stdout()).not.toMatch(/DOWN #1 .*\n(.|\n)*DOWN #1|DOWN #2/);
    second.endInput();
    expect((await second.exited).code).toBe(0);
    const after = await cli(db, ['noc', 'status']);
    expect(after.stdout).toContain('No open incidents.');
  }, 90_000);
});
