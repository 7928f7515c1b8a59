import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANA, FAKE_APP_ID, FAKE_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { isFinal, routesOf } from '../adapters/discord/rig.js';
import { killStarted, MAIN, startProgram, testEnv, type Program, until } from '../support/spawn.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { startSimulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';

// Discord with replicas (real `npm start` processes on one store, the fake Discord): only the
// replica holding the `discord-gateway` lease has a gateway session, so an interaction reaches
// one replica and is answered once; kill -9 of the holder hands the gateway to the other.
const DISCORD_TOKEN = 'replicas-discord-SecretToken';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

async function portOf(p: Program): Promise<number> {
  await p.waitFor(/"port":\d+[^\n]*http server listening/, 'stderr', 60_000);
  return Number(/"port":(\d+)[^\n]*http server listening/.exec(p.stderr())?.[1]);
}

interface Roles {
  gateway: unknown;
  noc: unknown;
  gauge: string | undefined;
}

/** What /readyz and /metrics say about this replica's leases. */
async function roles(port: number): Promise<Roles> {
  const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { leases?: Record<string, unknown> };
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return { gateway: ready.leases?.['discord-gateway'], noc: ready.leases?.noc, gauge: /^pingops_lease_held\{lease="discord-gateway"\} (\d)$/m.exec(metrics)?.[1] };
}

const retentionRuns = (p: Program) => p.stderr().split('\n').filter((l) => l.includes('retention: finished checks older than the retention deleted')).length;

async function store(kind: 'sqlite' | 'postgres'): Promise<Record<string, string>> {
  if (kind === 'postgres') {
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    return { PINGOPS_DB: '', PINGOPS_DATABASE_URL: pg.url };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pingops-discord-replicas-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { PINGOPS_DB: join(dir, 'pingops.db') };
}

/** A command answered as Discord sees it: its callbacks (a reply or a deferral) and the final view of its reply. */
async function answered(fake: FakeDiscord, token: string) {
  const r = routesOf(token);
  const final = await fake.waitForCall('PATCH', r.original, isFinal, 60_000);
  return { callbacks: fake.callsTo('POST', r.callback).length, followUps: fake.callsTo('POST', r.followUp).length, final };
}

const STORES = [['sqlite', true] as const, ['postgres', HAVE_POSTGRES] as const];

describe.each(STORES)('Discord with two replicas on one %s store', (kind, available) => {
  it.skipIf(!available)(
    'one gateway session; /ping answered once; kill -9 of the holder: the other identifies within 30 s, adopts the running check and answers the next /ping',
    async () => {
      const fake = await startFakeDiscord({ token: DISCORD_TOKEN });
      cleanup.push(() => fake.close());
      // A Ping API that outlives the bots, slow enough (4 packets in about 20 s) for a check to be running when its replica dies.
      const sim = await startSimulator({ speed: 0.25, logger: silentLogger });
      cleanup.push(() => sim.close());
      const env = testEnv({
        ...(await store(kind)),
        PING_API_URL: sim.url,
        PING_API_RATE_PER_MIN: '6000',
        PING_RESULT_CACHE_MS: '0',
        DISCORD_TOKEN,
        DISCORD_APPLICATION_ID: FAKE_APP_ID,
        DISCORD_API_URL: fake.apiUrl,
        PINGOPS_LEASE_TTL_MS: '4s',
        PINGOPS_LEASE_RENEW_MS: '1s',
        LOG_LEVEL: 'info',
      });

      const first = startProgram(MAIN, { env, keepOpen: true });
      const firstPort = await portOf(first);
      await until(async () => (await roles(firstPort)).gateway === 'leader', 'the first replica holding the gateway', 60_000);
      await fake.whenReady();
      const second = startProgram(MAIN, { env, keepOpen: true });
      const secondPort = await portOf(second);
      await second.waitFor('discord surface started', 'stderr', 60_000);
      // The second claims and is refused (its standby line), and says so in /readyz and /metrics.
      await second.waitFor(/"lease":"discord-gateway"[^\n]*standby: another replica holds the lease/, 'stderr', 30_000);
      expect(await roles(firstPort)).toMatchObject({ gateway: 'leader', gauge: '1' });
      expect(await roles(secondPort)).toMatchObject({ gateway: 'standby', gauge: '0' });

      // A /ping reaches the one session: deferred once, its status edited in place while it runs.
      const running = fake.sendCommand({ client: '1001' }, { user: ANA });
      await fake.waitForCall('PATCH', routesOf(running.token).original, (c) => /Waiting for the verdict/.test(JSON.stringify(c.body)), 60_000);
      expect(fake.callsTo('POST', routesOf(running.token).callback)).toHaveLength(1);
      expect(fake.identifies).toHaveLength(1);
      // Retention is the NOC leader's: the first replica ran it, the standby did not.
      expect((await roles(firstPort)).noc).toBe('leader');
      expect(retentionRuns(first)).toBe(1);
      expect(retentionRuns(second)).toBe(0);

      first.signal('SIGKILL');
      await first.exited;
      // Within 30 s (here the pid is gone on this host, so the next claim takes it; another host waits out the TTL).
      await until(() => fake.identifies.length >= 2 || undefined, 'the second replica identifying on the gateway', 30_000);
      expect(fake.identifies).toHaveLength(2);
      expect(await roles(secondPort)).toMatchObject({ gateway: 'leader', gauge: '1' });

      // The check the dead replica started is adopted and ends on its own message (the channel route: its interaction token died with it).
      const messageId = fake.originalMessageId(running.token);
      const adopted = await fake.waitForCall('PATCH', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages/${messageId}$`), isFinal, 60_000);
      expect(JSON.stringify(adopted.body)).toContain('Stable connection');

      // The next /ping is answered by the new holder, once.
      const next = fake.sendCommand({ client: '1002' }, { user: ANA });
      const after = await answered(fake, next.token);
      expect(after.callbacks).toBe(1);
      expect(after.followUps).toBe(0);
      expect(JSON.stringify(after.final.body)).toMatch(/Intermittent connection/);
      // One task per check: the adopted one was followed, not created again.
      expect(sim.stats().tasksCreated).toBe(2);
      expect(fake.identifies).toHaveLength(2);
      // The second replica leads the NOC now, and ran retention when it took over.
      await until(() => retentionRuns(second) === 1 || undefined, 'retention on the new NOC leader', 30_000);

      second.signal('SIGTERM');
      expect((await second.exited).code).toBe(0);
    },
    240_000,
  );
});
