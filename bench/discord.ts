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
import {
  BOT_ENV,
  BOT_FLAGS,
  botFigures,
  burstRow,
  chatPathGoals,
  exited,
  floorGoals,
  machineNote,
  median,
  percentile,
  perCheckGoal,
  pollerFigures,
  range,
  reply,
  round1,
  startBot,
  startFloorChild,
  threadsLine,
  verdictsIn,
  type AckRound,
  type PathFigures,
  type Probed,
} from './chat.js';
import type { ProbeReport } from './bot-probe.js';
import { printProfiles } from './cpu-top.js';
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
  /** Resolves once the k-th client (counted since the fake started) identified. */
  identified(k: number): Promise<void>;
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
    identified: async (k) => {
      const r = reply(child, 'ready');
      child.send({ identified: k });
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
export type DiscordChatRow = { round: number } & PathFigures & {
    /** Dispatch to the first callback (the deferral), p99 over the n people at once; `answered` below n says some had none. */
    first_answer_p99_ms: number | '';
    answered: number | '';
    /** Discord REST calls per check up to the last verdict, by kind (callback, edit, post, else the route). */
    rest_calls: string;
  };

const PINGOPS = 'pingops via Discord (gateway, discord.js)';
const FLOOR = 'floor: bare discord.js, fetch';

/** One measured run: `n` people send `/ping` at once to whichever client holds the fake's gateway, read off the peers to the last verdict notification and off `app`'s probe. */
async function discordRun(peers: DiscordPeers, app: Probed, engine: string, round: number, n: number): Promise<{ row: DiscordChatRow; probe: ProbeReport }> {
  await peers.mark();
  app.probeStart();
  const t0 = performance.now();
  await peers.checks(n, 1000, 1000);
  const done = await verdictsIn(peers.stats, n, 180_000);
  const wallMs = performance.now() - t0;
  const probe = await app.probeReport();
  const restCalls = Object.values(done.calls).reduce((a, b) => a + b, 0);
  const figures = botFigures(engine, n, { verdicts: done.verdicts, wallMs, apiRequests: done.simRequests, exchanges: done.simRequests + restCalls + n, probe });
  return { row: { round, ...figures, first_answer_p99_ms: round1(percentile(done.firstAnswerMs, 99)), answered: done.firstAnswerMs.length, rest_calls: restCallsLine(done.calls, n) }, probe };
}

/** `n` people at once through the floor (bench/bare-discord-chat-child), a fresh process on the bot's peers while no bot runs. */
async function floorRun(peers: DiscordPeers, round: number, n: number, cpuProfDir: string | null): Promise<DiscordChatRow> {
  const floor = await startFloorChild<boolean>('./bare-discord-chat-child.js', { token: TOKEN, apiUrl: peers.apiUrl, simUrl: peers.simUrl }, 'ready', cpuProfDir);
  try {
    const { row, probe } = await discordRun(peers, floor, FLOOR, round, n);
    console.log(`   round ${round}: the floor's CPU by thread (ms): ${threadsLine(probe)}`);
    return row;
  } finally {
    await floor.stop();
  }
}

/** REST calls per check by kind, most first. */
const restCallsLine = (calls: Record<string, number>, n: number) =>
  Object.entries(calls)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind} ${round1(count / n)}`)
    .join(', ');

/**
 * The whole chat path through the real discord.js client: `n` people send `/ping` at once down
 * the fake gateway (each a different line), the bot defers, looks up, shows its card, pings,
 * edits and notifies each person of the verdict; measured from the dispatch to the last verdict
 * notification, next to the plain fetch poller doing the same pings and (unless `floor` is
 * false) the floor on the same peers while no bot runs, before the bot in even rounds and after
 * it in odd ones; `rounds` rounds.
 */
export async function benchDiscordChatPath(rounds = 3, n = 1000, opts: { cpuProf?: boolean; floor?: boolean } = {}): Promise<{ rows: DiscordChatRow[]; goals: Record<string, unknown>[]; profiles: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-discord-chat-'));
  const profDir = opts.cpuProf ? mkdtempSync(join(tmpdir(), 'pingops-cpu-prof-')) : null;
  const rows: DiscordChatRow[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      const plain = () => rows.push({ round: r, ...pollerFigures(loadRun('child', n, null, 'plain', false), n), first_answer_p99_ms: '', answered: '', rest_calls: '' });
      // Side by side in each round, in alternating order.
      if (r % 2 === 0) plain();
      const peers = await startDiscordPeers();
      // Before the bot in even rounds, after it in odd ones, as the poller alternates.
      const floorAt = opts.floor === false ? null : r % 2 === 0 ? 'before' : 'after';
      try {
        if (floorAt === 'before') rows.push(await floorRun(peers, r, n, profDir));
        // The poller's deadline (15 s); every person a member asking once, so no per-person limit is what is measured.
        const bot = await startBot(
          mkdtempSync(join(dir, `r${r}-`)),
          { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_URL: peers.apiUrl, PING_API_URL: peers.simUrl, PING_TIMEOUT_MS: '15000' },
          profDir,
        );
        try {
          await peers.identified(floorAt === 'before' ? 2 : 1);
          const { row, probe } = await discordRun(peers, bot, PINGOPS, r, n);
          console.log(`   round ${r}: the bot's CPU by thread (ms): ${threadsLine(probe)}`);
          rows.push(row);
        } finally {
          await bot.stop();
        }
        if (floorAt === 'after') rows.push(await floorRun(peers, r, n, profDir));
      } finally {
        await peers.close();
      }
      if (r % 2 === 1) plain();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = rows.filter((x) => x.engine === PINGOPS);
  const poller = rows.filter((x) => x.engine === 'plain fetch poller');
  const floor = rows.filter((x) => x.engine === FLOOR);
  const goals = [
    ...chatPathGoals('Discord', n, ours, poller, 'Ping API, Discord REST, interactions in'),
    ...(floor.length ? floorGoals(ours, floor, poller, 'bare discord.js defers, shows a card, pings as the poller, posts the notification; no edits after, store, logs or look-ups') : []),
    perCheckGoal(`${n} people at once, a fresh process`, ours, poller, n),
  ];
  const profiles = profDir ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f)) : [];
  return { rows, goals, profiles };
}

export async function printDiscordChatPath(rounds: number, cpuProf: boolean): Promise<string[]> {
  console.log(`\n10. The whole chat path through Discord: 1,000 people send /ping at once down the gateway to the real bot (discord.js: deferral, look-up, card, live edits, store, the verdict notification), next to a plain fetch poller doing the same pings and to the floor (a bare discord.js client that defers, shows a card, pings as the poller does and posts the notification, nothing else); ${rounds} rounds`);
  console.log('   Measured from the dispatch to the last verdict notification; first_answer_p99_ms: each person\'s dispatch to their first callback (the deferral) at the fake, over the 1,000. Simulator at real speed in another process; PING_TIMEOUT_MS 15 s as the poller; Discord\'s edit budget as shipped (300 a minute across messages): most final edits of the card go out after the window. Figures are the bot process\'s own (bench/bot-probe).');
  console.log(`   The bot runs with the Node flags and environment of \`npm start\`: ${[...Object.entries(BOT_ENV).map(([k, v]) => `${k}=${v}`), ...BOT_FLAGS].join(' ') || '(none)'}, and a Ping API key; the poller with Node's defaults. ${machineNote()}`);
  const r = await benchDiscordChatPath(rounds, 1000, { cpuProf });
  console.table(r.rows);
  console.table(r.goals);
  printProfiles(r.profiles);
  return r.profiles;
}
