/**
 * Ack latency of the Slack surface: bursts of 50 concurrent signed `/ping` commands against the
 * real Bolt app on the shared HTTP server. The fake Slack Web API and the simulator run in a
 * child process and the load generator in another, all on 127.0.0.1, so the numbers are the
 * app's. Slack gives up on a command after 3 s; the goal is p99 < 100 ms as Slack sees it (the
 * round trip). In-app time (request handed to Bolt → 200 written) is printed beside it.
 *
 *   npm run bench -- slack
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckStore } from '../src/store/sqlite-check-store.js';
import { execFile, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createSlackSurface } from '../src/adapters/slack/slack-surface.js';
import { conversations } from '../src/app/surfaces.js';
import { loadConfig } from '../src/config.js';
import { createPingService } from '../src/core/ping-service.js';
import { createDirectory } from '../src/directory/client-directory.js';
import { createHttpServer, type RequestHandler } from '../src/http/server.js';
import { createPingApi } from '../src/pingapi/http-client.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { createRequestQueue } from '../src/core/request-queue.js';

const SECRET = 'bench-signing-secret';

/**
 * The client side, as plain JS for its own process: a burst of `n` concurrent commands right
 * after start (cold: modules load, JIT warms up), a pause while those checks finish, then a
 * second burst (warm). Prints both lists of round trips.
 */
const CLIENT = `
const workerData = JSON.parse(process.argv[1]);
const parentPort = { postMessage: (m) => process.stdout.write(JSON.stringify(m)) };
const { createHmac } = require('node:crypto');
const http = require('node:http');
const { url, n, secret, responseUrl } = workerData;
// Slack keeps connections to an app alive; so does this client.
const agent = new http.Agent({ keepAlive: true, maxSockets: n });
function send(i) {
  const body = new URLSearchParams({
    team_id: 'T0001', channel_id: 'CBENCH' + (i % 5), user_id: 'UBENCH' + i, command: '/ping',
    text: String(1001 + (i % 4)), response_url: responseUrl, trigger_id: 't', api_app_id: 'A0001',
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'POST', agent, headers: {
      'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body),
      'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig } }, (res) => {
      res.resume();
      res.on('end', () => res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error('command ' + i + ' answered ' + res.statusCode)));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  const cold = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  await new Promise((r) => setTimeout(r, 3000));
  const warm = await Promise.all(Array.from({ length: n }, (_, i) => send(n + i)));
  agent.destroy();
  parentPort.postMessage([cold, warm]);
})().catch((e) => parentPort.postMessage({ error: String((e && e.message) || e) }));
`;

function runClients(url: string, n: number, responseUrl: string): Promise<[number[], number[]]> {
  // Its own process, like Slack's servers: the client must not share the app's CPU time slices.
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', CLIENT, JSON.stringify({ url, n, secret: SECRET, responseUrl })], (err, stdout) => {
      if (err) return reject(err);
      const m = JSON.parse(stdout) as [number[], number[]] | { error: string };
      if (Array.isArray(m)) resolve(m);
      else reject(new Error(m.error));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** One bench row: ack latency percentiles of `commands` concurrent signed /ping commands. */
export interface SlackAckResult {
  /** `cold start`: the first burst after the app started; `warm`: a later burst. */
  phase: string;
  commands: number;
  /** In the app: from the request reaching the server to the 200 being written. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** As the client process saw it: send → 200 read, queueing in the app's event loop included. */
  rtt_p50_ms: number;
  rtt_p99_ms: number;
  /** Worst event-loop delay of the app while the commands were handled. */
  loop_lag_max_ms: number;
  /** Judged on what Slack sees: the round trip's p99. */
  goal_met: boolean;
}

/** Runs the bench in this process (peers in a child) and tears everything down again. */
export async function benchSlackAck(n = 50): Promise<SlackAckResult[]> {
  const logger = silentLogger;
  const peers = fork(new URL('./peers-child.js', import.meta.url), ['100'], { stdio: 'ignore' });
  const { slackApiUrl, responseUrl, simUrl } = await new Promise<{ slackApiUrl: string; responseUrl: string; simUrl: string }>((resolve) =>
    peers.once('message', (m) => resolve(m as { slackApiUrl: string; responseUrl: string; simUrl: string })),
  );
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slackApiUrl,
    LOCALE: 'en',
  });
  const api = createPingApi({ baseUrl: simUrl, auth: { kind: 'none' }, timeoutMs: 5000, logger });
  const service = createPingService({
    api,
    clock: systemClock,
    logger,
    // The simulator runs at speed 100, so one packet takes ~10 ms: poll on that time scale.
    polling: { ...config.polling, packets: 1, packetMs: 10, initialDelayMs: 0, intervalMs: 100, maxIntervalMs: 200, resultCacheMs: 0 },
    queue: createRequestQueue({ perMinute: 100_000, burst: 1000, clock: systemClock, max: 100_000, maxWaitMs: 3_600_000 }),
  });
  const directory = createDirectory({ api, clock: systemClock, logger });
  const real = createHttpServer(logger);
  // Ack latency as the app sees it: request in → 200 written (Slack's 3 s clock starts at its send).
  const acks: number[] = [];
  const http = {
    ...real,
    mount(prefix: string, handler: RequestHandler) {
      real.mount(prefix, (req, res) => {
        const t0 = performance.now();
        res.on('finish', () => acks.push(performance.now() - t0));
        handler(req, res);
      });
    },
  };
  const lag = monitorEventLoopDelay({ resolution: 5 });
  if (!config.slack) throw new Error('the bench needs Slack configured');
  const store = openCheckStore(process.env.BENCH_DB ?? join(mkdtempSync(join(tmpdir(), 'pingops-bench-')), 'pingops.db'), logger);
  const surface = createSlackSurface(
    {
      slack: config.slack,
      conversations: conversations({ checker: service, directory, store, clock: systemClock, logger, polling: config.polling, access: config.access }),
      directory,
      locale: config.locale,
      clock: systemClock,
      logger,
      http,
    },
    { stopGraceMs: 3000 },
  );
  const port = await real.listen(0, '127.0.0.1');
  await surface.start();
  const url = `http://127.0.0.1:${port}/slack/events`;

  // The load generator runs in its own process: its HTTP client must not queue behind the app's
  // event loop, or the bench would measure itself (Slack's servers are not in our process either).
  lag.enable();
  const bursts = await runClients(url, n, responseUrl);
  lag.disable();

  // Let the checks finish (or be cancelled) so the process ends cleanly.
  await surface.stop();
  await service.close();
  await real.close();
  peers.disconnect();
  await new Promise((r) => peers.once('exit', r));
  const round = (x: number) => Math.round(x * 10) / 10;
  return bursts.map((rtt, i) => {
    const inApp = acks.slice(i * n, (i + 1) * n).sort((a, b) => a - b);
    const rtts = [...rtt].sort((a, b) => a - b);
    return {
      phase: i === 0 ? 'cold start' : 'warm',
      commands: n,
      p50_ms: round(percentile(inApp, 50)),
      p99_ms: round(percentile(inApp, 99)),
      max_ms: round(inApp.at(-1) ?? Number.NaN),
      rtt_p50_ms: round(percentile(rtts, 50)),
      rtt_p99_ms: round(percentile(rtts, 99)),
      loop_lag_max_ms: round(lag.max / 1e6),
      goal_met: percentile(rtts, 99) < 100,
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchSlackAck(Number(process.argv[2] ?? 50)).then(
    (rows) => {
      console.table(rows);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
