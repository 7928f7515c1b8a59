import { fork } from 'node:child_process';
import { startFakeDiscord, type RestCall } from '../test/fakes/fake-discord.js';

/**
 * The Discord deferral bench's fake Discord (REST and gateway) in its own process, with the
 * Ping API simulator in another (as Discord and the ISP's API are different servers: the bot's
 * look-ups and ping tasks must not slow the fake that times its first answers). On
 * `{ burst: n }` it dispatches n `/ping` interactions at once (n new people) down the gateway
 * and answers with each one's time from its dispatch to the first interaction callback that
 * reached the fake (a reply or a deferral: what ends Discord's 3 s).
 */
export const DISCORD_BENCH_TOKEN = 'bench-discord-token';

const sim = fork(new URL('./sim-child.js', import.meta.url), { stdio: 'ignore' });
const simUrl = await new Promise<string>((resolve) => sim.once('message', (m) => resolve((m as { url: string }).url)));
const discord = await startFakeDiscord({ token: DISCORD_BENCH_TOKEN });
let people = 0;

/** Interaction id → resolves with the arrival time of its first callback. */
const firstCallback = new Map<string, (at: number) => void>();
const CALLBACK = /^\/interactions\/(\d+)\/[^/]+\/callback$/;
discord.onCall((c: RestCall) => {
  const at = performance.now();
  const id = c.method === 'POST' ? CALLBACK.exec(c.path)?.[1] : undefined;
  const done = id ? firstCallback.get(id) : undefined;
  if (!id || !done) return;
  firstCallback.delete(id);
  done(at);
});

const BURST_DEADLINE_MS = 30_000;

async function burst(n: number, firstId: number, ids: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      people++;
      const user = { id: String(1_200_000_000_000_100_000n + BigInt(people)), username: `tech${people}` };
      const t0 = performance.now();
      const sent = discord.sendCommand({ client: String(firstId + (i % ids)) }, { user });
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          firstCallback.delete(sent.id);
          reject(new Error(`no callback for interaction ${sent.id} within ${BURST_DEADLINE_MS / 1000} s`));
        }, BURST_DEADLINE_MS);
        firstCallback.set(sent.id, (at) => {
          clearTimeout(timer);
          resolve(at - t0);
        });
      });
    }),
  );
}

process.send?.({ urls: { apiUrl: discord.apiUrl, simUrl } });
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
process.on('disconnect', () => {
  sim.disconnect();
  void discord.close().then(() => process.exit(0));
});
