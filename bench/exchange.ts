import { execFile, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const run = promisify(execFile);

interface ClientFigures {
  client: string;
  exchanges: number;
  cpuUsPerExchange: number;
  wallMs: number;
}

/**
 * What one HTTP exchange costs the client's process, pingops' exchange (node:http with keep-alive,
 * which carries every Ping API, Slack and Discord call of the bot) next to fetch (the plain
 * poller's, the chat benches' yardstick), `rounds` times each in a fresh process against the
 * simulator in another: how much of the poller's CPU per request is its HTTP client.
 */
export async function benchExchange(rounds = 3, n = 10_000): Promise<Record<string, unknown>[]> {
  const sim = fork(here('./sim-child.js'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const simUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the simulator did not start within 30 s')), 30_000);
      sim.once('message', (m) => {
        clearTimeout(timer);
        resolve((m as { url: string }).url);
      });
    });
    const byClient = new Map<string, ClientFigures[]>();
    for (let r = 0; r < rounds; r++) {
      for (const client of r % 2 === 0 ? ['exchange', 'fetch'] : ['fetch', 'exchange']) {
        const { stdout } = await run(process.execPath, [here('./exchange-child.js'), client, simUrl, String(n), '50'], { timeout: 300_000 });
        const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ClientFigures;
        byClient.set(client, [...(byClient.get(client) ?? []), figures]);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const names: Record<string, string> = { exchange: "pingops' exchange (node:http, keep-alive)", fetch: 'fetch (the plain poller)' };
    const ours = median((byClient.get('exchange') ?? []).map((x) => x.cpuUsPerExchange));
    return [...byClient.entries()].map(([client, xs]) => {
      const us = xs.map((x) => x.cpuUsPerExchange);
      return {
        client: names[client] ?? client,
        cpu_us_per_exchange: `${median(us)} (${Math.min(...us)}-${Math.max(...us)})`,
        against_ours: `${(median(us) / Math.max(1, ours)).toFixed(2)}x`,
        wall_ms: median(xs.map((x) => x.wallMs)),
      };
    });
  } finally {
    sim.kill();
  }
}
