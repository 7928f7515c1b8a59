import { createExchange } from '../src/pingapi/exchange.js';

/**
 * One HTTP client in a fresh process: `n` POSTs (a ping task's start, as the poller sends it) to
 * the simulator with `concurrency` in flight, after as many again to warm up; prints the CPU of
 * the measured ones per exchange as one JSON line. `client`: pingops' exchange (node:http,
 * keep-alive: every Ping API, Slack and Discord call of the bot) or fetch (the plain poller's).
 */
const [client, simUrl, nArg, concurrencyArg] = process.argv.slice(2);
const n = Number(nArg ?? 10_000);
const concurrency = Number(concurrencyArg ?? 50);
const url = new URL(`${simUrl}/api/v1/1001/ping/`);
const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pings":4}' };
const exchange = createExchange(concurrency);
const one: () => Promise<string> =
  client === 'fetch'
    ? async () => (await fetch(url, init)).text()
    : async () => (await exchange(url, { ...init, timeoutMs: 15_000 })).text;

async function run(count: number): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started++ < count) await one();
    }),
  );
}

await run(n);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(n);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ client, exchanges: n, cpuUsPerExchange: Math.round((cpu.user + cpu.system) / n), wallMs: Math.round(performance.now() - t0) })}\n`);
process.exit(0);
