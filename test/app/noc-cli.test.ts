import { afterEach, describe, expect, it } from 'vitest';
import { leaderText } from '../../src/app/noc-cli.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/store/open.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { pidSpace } from '../../src/util/replica.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { CLI, killStarted, startProgram, testEnv } from '../support/spawn.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

describe('pingops noc names the leader it follows', () => {
  it.each([
    ['nobody known', null, 'the bot (pid ?)'],
    ['a process in this pid space: its pid', { id: 'x', pid: 4242, host: 'db-1/boot-a/ns-1' }, 'the bot (pid 4242)'],
    ['a process on another host: its pid and host name', { id: 'x', pid: 4242, host: 'replica-2.example/boot-b/ns-1' }, 'the bot (pid 4242 on replica-2.example)'],
    ['a holder of the previous release (host name only)', { id: 'x', pid: 4242, host: 'replica-2.example' }, 'the bot (pid 4242 on replica-2.example)'],
  ] as const)('%s', (_why, holder, text) => {
    expect(leaderText(holder, 'db-1/boot-a/ns-1')).toBe(text);
  });

  it.skipIf(!HAVE_POSTGRES)('on PostgreSQL, with the lease held by a live bot: its pid, not "?"', async () => {
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    // The lease as a running bot on this host holds it: this test's own process, alive.
    const config = loadConfig({ PINGOPS_DATABASE_URL: pg.url });
    const db = await openDatabase(config, silentLogger, systemClock);
    expect(await db.leases.claim('noc', { id: 'bot', pid: process.pid, host: pidSpace() }, Date.now(), 120_000, () => false)).toEqual({ ok: true });
    await db.close();
    const noc = startProgram([...CLI, 'noc'], { env: testEnv({ PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url, LOG_LEVEL: 'warn' }), keepOpen: true });
    await noc.waitFor(`the bot (pid ${process.pid}) runs the watcher on this store: following it read-only`, 'stdout', 60_000);
    // It follows until stopped (a SIGTERM that lands before its handler is set ends it by the signal: either way it ends).
    noc.signal('SIGTERM');
    await noc.exited;
  }, 90_000);
});
