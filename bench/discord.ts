/**
 * `npm run bench -- discord`: Discord's 3 s window, as people meet it. 50 `/ping` interactions at
 * once (50 people) down the fake gateway, cold (the first burst after start) and warm (3 s later),
 * to the real bot (`src/main.js`, Discord only) and to a bare discord.js client that defers every
 * command at once; each app in a fresh process with fresh peers (the fake Discord in one process,
 * the Ping API simulator in another, so the bot's look-ups and ping tasks do not slow the fake
 * that times it). Measured: dispatch to the first interaction callback reaching the fake
 * (pingops: the deferral it sends as a command arrives, or an ephemeral reply for help and typos).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOT_FLAGS, burstRow, exited, machineNote, median, percentile, range, reply, round1, startBot, type AckRound } from './chat.js';
import { selfTimeByArea, topSelfTime } from './cpu-top.js';
import type { DiscordPeerStats } from './discord-peers-child.js';
import { loadRun } from './load.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
// The fake's application id (test/fakes/fake-discord.ts) and the token bench/discord-peers-child.ts gives it.
const APP_ID = '1100000000000000001';
const TOKEN = 'bench-discord-token';

interface DiscordPeers {
  apiUrl: string;
  simUrl: string;
  /** Resolves once a client identified on the fake gateway. */
  ready(): Promise<void>;
  /** n interactions at once; each one's ms from dispatch to its first callback. */
  burst(n: number): Promise<number[]>;
  /** After a burst: each started check's ms from dispatch to its card (the first edit of its reply). */
  cards(): Promise<number[]>;
  /** Starts counting the wire (Ping API requests, REST calls, verdicts) from now. */
  mark(): Promise<void>;
  /** `n` /ping at once (n new people, lines firstId…firstId+ids-1), not timed. */
  checks(n: number, firstId: number, ids: number): Promise<void>;
  stats(): Promise<DiscordPeerStats>;
  close(): Promise<void>;
}

async function startDiscordPeers(): Promise<DiscordPeers> {
  const child: ChildProcess = fork(here('./discord-peers-child.js'), [], { stdio: 'ignore' });
  const urls = await reply<{ apiUrl: string; simUrl: string }>(child, 'urls');
  let cards: Promise<number[]> | null = null;
  return {
    ...urls,
    ready: async () => {
      const r = reply(child, 'ready');
      child.send('ready');
      await r;
    },
    burst: async (n) => {
      const r = reply<number[]>(child, 'answered', 60_000);
      cards = reply<number[]>(child, 'cards', 60_000);
      // Read only for pingops: a bare client's never come.
      cards.catch(() => undefined);
      child.send({ burst: n, firstId: 1001, ids: 4 });
      return r;
    },
    cards: () => cards ?? Promise.resolve([]),
    mark: async () => {
      const r = reply(child, 'marked');
      child.send('mark');
      await r;
    },
    checks: async (n, firstId, ids) => {
      const r = reply(child, 'sent');
      child.send({ checks: n, firstId, ids });
      await r;
    },
    stats: async () => {
      const r = reply<DiscordPeerStats>(child, 'stats');
      child.send('stats');
      return r;
    },
    close: async () => {
      child.disconnect();
      await exited(child);
    },
  };
}

async function startBareDiscord(peers: DiscordPeers): Promise<{ stop(): Promise<void> }> {
  const child = fork(here('./bare-discord-child.js'), [JSON.stringify({ token: TOKEN, apiUrl: peers.apiUrl })], { stdio: 'ignore' });
  await reply(child, 'ready');
  return {
    stop: async () => {
      child.disconnect();
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** Discord's rounds have the Slack ack's shape (the first answer's latency, cold and warm), and pingops' card times. */
export type DeferRound = AckRound & { cold_card_p99_ms?: number; warm_card_p99_ms?: number };

/** Discord's first answer: pingops and a bare discord.js client, `rounds` rounds of a cold and a warm burst of `n`. */
export async function benchDiscordDeferral(rounds = 5, n = 50): Promise<{ rounds: DeferRound[]; goals: Record<string, unknown>[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-discord-'));
  const out: DeferRound[] = [];
  /** `withCards`: wait for the cards too (a bare client shows none: its waits would only time out). */
  const bursts = async (peers: DiscordPeers, withCards: boolean) => {
    await peers.ready();
    const cold = await peers.burst(n);
    const coldCards = withCards ? await peers.cards() : [];
    await new Promise((r) => setTimeout(r, 3000));
    const warm = await peers.burst(n);
    return { times: [cold, warm] as const, cards: [coldCards, withCards ? await peers.cards() : []] as const };
  };
  /** When the started checks showed their cards (pingops only: the bare client shows none). */
  const cardCols = ([cold, warm]: readonly [number[], number[]]) =>
    cold.length === 0 ? {} : { cold_card_p99_ms: round1(percentile(cold, 99)), warm_card_p99_ms: round1(percentile(warm, 99)) };
  try {
    for (let r = 1; r <= rounds; r++) {
      // Each app alone on the machine while measured, in alternating order.
      const order = r % 2 === 1 ? (['pingops', 'bare discord.js'] as const) : (['bare discord.js', 'pingops'] as const);
      for (const app of order) {
        const peers = await startDiscordPeers();
        try {
          if (app === 'pingops') {
            const bot = await startBot(mkdtempSync(join(dir, `r${r}-`)), { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_URL: peers.apiUrl, PING_API_URL: peers.simUrl }, null);
            const b = await bursts(peers, true);
            out.push({ ...burstRow(r, app, b.times), ...cardCols(b.cards) });
            await bot.stop();
          } else {
            const bare = await startBareDiscord(peers);
            out.push(burstRow(r, app, (await bursts(peers, false)).times));
            await bare.stop();
          }
        } finally {
          await peers.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (app: string, k: 'cold_p99_ms' | 'warm_p99_ms') => out.filter((x) => x.app === app).map((x) => x[k]);
  const goals = (['cold_p99_ms', 'warm_p99_ms'] as const).map((k) => {
    const ours = median(of('pingops', k));
    const bare = median(of('bare discord.js', k));
    return {
      goal: `Discord first answer p99 ${k.startsWith('cold') ? 'cold' : 'warm'} within 2x a bare discord.js client (median of ${rounds} rounds)`,
      pingops: `${ours} ms (${range(of('pingops', k))})`,
      'bare discord.js': `${bare} ms (${range(of('bare discord.js', k))})`,
      ratio: round1(ours / bare),
      met: ours <= 2 * bare,
    };
  });
  return { rounds: out, goals };
}

export async function printDiscordDeferral(rounds: number): Promise<void> {
  console.log(`\n9. Discord's 3 s window: 50 /ping interactions at once (50 people) down the gateway, cold (first burst after start) and warm (3 s later); pingops next to a bare discord.js client that defers at once; ${rounds} rounds, each app alone and fresh`);
  console.log(`   Dispatch -> first interaction callback at the fake (pingops: the deferral it sends as a command arrives; the look-up runs behind it); card: dispatch -> the first edit showing the check. ${machineNote()}`);
  const r = await benchDiscordDeferral(rounds);
  console.table(r.rounds);
  console.table(r.goals);
}

/** One measured run of the Discord chat path: the bot's, or the plain poller's beside it. */
export interface DiscordChatRow {
  round: number;
  engine: string;
  checks: number;
  verdicts: number;
  wall_ms: number;
  peak_rss_mb: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  api_requests: number;
  cpu_us_per_request: number;
  /** The process's CPU (every thread) per check. */
  cpu_ms_per_check: number;
  /** Ping API requests, Discord REST calls, and the interactions received. */
  http_exchanges: number;
  cpu_us_per_exchange: number;
  /** Discord REST calls per check up to the last verdict, by kind (callback, edit, post, other). */
  rest_calls: string;
  heap_used_at_peak_mb: number | string;
  peak_fds: number | string;
  gc_count: number | string;
  gc_ms: number | string;
}

/** Waits until every check has its verdict notification (or `ms` passed); returns the last stats. */
async function discordVerdictsIn(peers: DiscordPeers, n: number, ms: number): Promise<DiscordPeerStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await peers.stats();
    if (s.verdicts >= n || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The whole chat path through the real discord.js client: `n` people send `/ping` at once down
 * the fake gateway (each a different line), the bot defers, looks up, shows its card, pings,
 * edits and notifies each person of the verdict; measured from the dispatch to the last verdict
 * notification, next to the plain fetch poller doing the same pings, `rounds` rounds.
 */
export async function benchDiscordChatPath(rounds = 3, n = 1000, opts: { cpuProf?: boolean } = {}): Promise<{ rows: DiscordChatRow[]; goals: Record<string, unknown>[]; profiles: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-discord-chat-'));
  const profDir = opts.cpuProf ? mkdtempSync(join(tmpdir(), 'pingops-cpu-prof-')) : null;
  const rows: DiscordChatRow[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      const plain = () => {
        const p = loadRun('child', n, null, 'plain', false);
        rows.push({
          round: r,
          engine: p.engine,
          checks: p.checks,
          verdicts: p.correct,
          wall_ms: p.wallMs,
          peak_rss_mb: p.peakRssMb,
          lag_p99_ms: p.lagP99Ms,
          lag_max_ms: p.lagMaxMs,
          api_requests: p.requests,
          cpu_us_per_request: p.cpuUsPerRequest,
          cpu_ms_per_check: round1((p.cpuUsPerRequest * p.requests) / 1000 / n),
          http_exchanges: p.requests,
          cpu_us_per_exchange: p.cpuUsPerRequest,
          rest_calls: '',
          heap_used_at_peak_mb: '',
          peak_fds: '',
          gc_count: '',
          gc_ms: '',
        });
      };
      // Side by side in each round, in alternating order.
      if (r % 2 === 0) plain();
      const peers = await startDiscordPeers();
      try {
        // The poller's deadline (15 s); every person a member asking once, so no per-person limit is what is measured.
        const bot = await startBot(
          mkdtempSync(join(dir, `r${r}-`)),
          { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_URL: peers.apiUrl, PING_API_URL: peers.simUrl, PING_TIMEOUT_MS: '15000' },
          profDir,
        );
        try {
          await peers.ready();
          await peers.mark();
          bot.probeStart();
          const t0 = performance.now();
          await peers.checks(n, 1000, 1000);
          const done = await discordVerdictsIn(peers, n, 180_000);
          const wall = performance.now() - t0;
          const probe = await bot.probeReport();
          console.log(`   round ${r}: the bot's CPU by thread (ms): ${Object.entries(probe.threadsCpuMs).filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
          const restCalls = Object.values(done.calls).reduce((a, b) => a + b, 0);
          const exchanges = done.simRequests + restCalls + n;
          rows.push({
            round: r,
            engine: 'pingops via Discord (gateway, discord.js)',
            checks: n,
            verdicts: done.verdicts,
            wall_ms: Math.round(wall),
            peak_rss_mb: probe.peakRssMb,
            lag_p99_ms: probe.lagP99Ms,
            lag_max_ms: probe.lagMaxMs,
            api_requests: done.simRequests,
            cpu_us_per_request: Math.round(probe.cpuUs / Math.max(1, done.simRequests)),
            cpu_ms_per_check: round1(probe.cpuUs / 1000 / n),
            http_exchanges: exchanges,
            cpu_us_per_exchange: Math.round(probe.cpuUs / Math.max(1, exchanges)),
            rest_calls: Object.entries(done.calls)
              .sort((a, b) => b[1] - a[1])
              .map(([kind, count]) => `${kind} ${round1(count / n)}`)
              .join(', '),
            heap_used_at_peak_mb: probe.heapUsedAtPeakMb,
            peak_fds: probe.peakFds,
            gc_count: probe.gcCount,
            gc_ms: probe.gcMs,
          });
        } finally {
          await bot.stop();
        }
      } finally {
        await peers.close();
      }
      if (r % 2 === 1) plain();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = rows.filter((x) => x.engine.startsWith('pingops'));
  const poller = rows.filter((x) => !x.engine.startsWith('pingops'));
  type Figure = 'peak_rss_mb' | 'lag_p99_ms' | 'cpu_us_per_request' | 'cpu_ms_per_check';
  const m = (xs: DiscordChatRow[], k: Figure) => median(xs.map((x) => x[k]));
  const rg = (xs: DiscordChatRow[], k: Figure) => range(xs.map((x) => x[k]));
  const cpuRatio = m(ours, 'cpu_us_per_request') / Math.max(1, m(poller, 'cpu_us_per_request'));
  const roundRatios = ours.flatMap((o) => poller.filter((p) => p.round === o.round).map((p) => o.cpu_us_per_request / Math.max(1, p.cpu_us_per_request)));
  const goals = [
    { goal: `peak RSS < 150 MB, ${n} checks through Discord (median of ${rounds})`, pingops: `${m(ours, 'peak_rss_mb')} MB (${rg(ours, 'peak_rss_mb')})`, 'plain poller': `${m(poller, 'peak_rss_mb')} MB (${rg(poller, 'peak_rss_mb')})`, met: m(ours, 'peak_rss_mb') < 150 },
    {
      goal: 'CPU per Ping API request within 1.5x the plain poller (medians)',
      pingops: `${m(ours, 'cpu_us_per_request')} us (${rg(ours, 'cpu_us_per_request')})`,
      'plain poller': `${m(poller, 'cpu_us_per_request')} us (${rg(poller, 'cpu_us_per_request')})`,
      met: `${cpuRatio.toFixed(2)}x ${cpuRatio <= 1.5 ? 'yes' : 'no'} (by round: ${roundRatios.map((x) => `${x.toFixed(2)}x`).join(', ')})`,
    },
    {
      goal: `not a goal: CPU per exchange (Ping API, Discord REST, interactions in): the chat path makes ${round1(median(ours.map((x) => x.http_exchanges / Math.max(1, x.api_requests))))} per Ping API request`,
      pingops: `${median(ours.map((x) => x.cpu_us_per_exchange))} us`,
      'plain poller': `${median(poller.map((x) => x.cpu_us_per_exchange))} us`,
      met: '',
    },
    { goal: 'event-loop lag p99 no worse than the plain poller (medians)', pingops: `${m(ours, 'lag_p99_ms')} ms (${rg(ours, 'lag_p99_ms')})`, 'plain poller': `${m(poller, 'lag_p99_ms')} ms (${rg(poller, 'lag_p99_ms')})`, met: m(ours, 'lag_p99_ms') <= m(poller, 'lag_p99_ms') },
    {
      goal: 'not a goal: CPU per check (medians)',
      pingops: `${m(ours, 'cpu_ms_per_check')} ms (${rg(ours, 'cpu_ms_per_check')})`,
      'plain poller': `${m(poller, 'cpu_ms_per_check')} ms (${rg(poller, 'cpu_ms_per_check')})`,
      met: `${(m(ours, 'cpu_ms_per_check') / Math.max(0.1, m(poller, 'cpu_ms_per_check'))).toFixed(2)}x`,
    },
  ];
  const profiles = profDir ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f)) : [];
  return { rows, goals, profiles };
}

export async function printDiscordChatPath(rounds: number, cpuProf: boolean): Promise<void> {
  console.log(`\n10. The whole chat path through Discord: 1,000 people send /ping at once down the gateway to the real bot (discord.js: deferral, look-up, card, live edits, store, the verdict notification), next to a plain fetch poller doing the same pings; ${rounds} rounds`);
  console.log('   Measured from the dispatch to the last verdict notification. Simulator at real speed in another process; PING_TIMEOUT_MS 15 s as the poller; Discord\'s edit budget as shipped (300 a minute across messages): most final edits of the card go out after the window. Figures are the bot process\'s own (bench/bot-probe).');
  console.log(`   The bot runs with the Node flags of \`npm start\`: ${BOT_FLAGS.join(' ') || '(none)'}; the poller with Node's defaults. ${machineNote()}`);
  const r = await benchDiscordChatPath(rounds, 1000, { cpuProf });
  console.table(r.rows);
  console.table(r.goals);
  for (const p of r.profiles) {
    console.log(`\n   CPU profile ${p}: top self time (the bot's whole run)`);
    console.table(topSelfTime(p, 25));
    console.table(selfTimeByArea(p, 15));
  }
}
