import { startSimulator } from '../src/sim/server.js';
import { silentLogger } from '../src/util/logger.js';
import { startFakeDiscord } from '../test/fakes/fake-discord.js';

/**
 * The Discord deferral bench's peers in their own process: the fake Discord (REST and gateway)
 * and the Ping API simulator. On `{ burst: n }` it dispatches n `/ping` interactions at once (n
 * new people) down the gateway and answers with each one's time from its dispatch to the first
 * interaction callback that reached the fake (a reply or a deferral: what ends Discord's 3 s).
 */
export const DISCORD_BENCH_TOKEN = 'bench-discord-token';

const discord = await startFakeDiscord({ token: DISCORD_BENCH_TOKEN });
const sim = await startSimulator({ logger: silentLogger, speed: 1 });
let people = 0;

async function burst(n: number, firstId: number, ids: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      people++;
      const user = { id: String(1_200_000_000_000_100_000n + BigInt(people)), username: `tech${people}` };
      const t0 = performance.now();
      const sent = discord.sendCommand({ client: String(firstId + (i % ids)) }, { user });
      const path = new RegExp(`^/interactions/${sent.id}/${sent.token}/callback$`);
      return discord.waitForCall('POST', path, undefined, 30_000).then(() => performance.now() - t0);
    }),
  );
}

process.send?.({ urls: { apiUrl: discord.apiUrl, simUrl: sim.url } });
process.on('message', (m: unknown) => {
  if (m === 'ready') {
    void discord.whenReady().then(() => process.send?.({ ready: true }));
  } else if (m && typeof m === 'object' && 'burst' in m) {
    const { burst: n, firstId, ids } = m as { burst: number; firstId: number; ids: number };
    burst(n, firstId, ids).then(
      (ms) => process.send?.({ answered: ms }),
      (err: unknown) => process.send?.({ failed: String(err) }),
    );
  }
});
process.on('disconnect', () => void Promise.all([discord.close(), sim.close()]).then(() => process.exit(0)));
