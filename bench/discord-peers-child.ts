import { fork } from 'node:child_process';
import { startFakeDiscord, type RestCall } from '../test/fakes/fake-discord.js';

/**
 * The Discord deferral bench's fake Discord (REST and gateway) in its own process, with the
 * Ping API simulator in another (as Discord and the ISP's API are different servers: the bot's
 * look-ups and ping tasks must not slow the fake that times its first answers). On
 * `{ burst: n }` it dispatches n `/ping` interactions at once (n new people) down the gateway
 * and answers with each one's time from its dispatch to the first interaction callback that
 * reached the fake (a reply or a deferral: what ends Discord's 3 s).
 *
 * For the whole chat path (`{ checks: n }`), it dispatches n `/ping` at once, and `stats` reads
 * the wire since the last `mark`: the Ping API requests the simulator served, the REST calls by
 * kind, the verdict notifications (a channel message that mentions the person who asked), as the
 * Slack chat bench's peers do, and each first answer that has come (dispatch to first callback).
 */
export const DISCORD_BENCH_TOKEN = 'bench-discord-token';

const sim = fork(new URL('./sim-child.js', import.meta.url), { stdio: 'ignore' });
const simRequests = () =>
  new Promise<number>((resolve) => {
    sim.once('message', (m) => resolve((m as { stats: { requests: number } }).stats.requests));
    sim.send('stats');
  });
const simUrl = await new Promise<string>((resolve) => sim.once('message', (m) => resolve((m as { url: string }).url)));
const discord = await startFakeDiscord({ token: DISCORD_BENCH_TOKEN });
let people = 0;

/** Interaction id → resolves with the arrival time of its first callback. */
const firstCallback = new Map<string, (at: number) => void>();
/** Interaction token → resolves with the arrival time of the first edit of its reply (the card). */
const firstCard = new Map<string, (at: number) => void>();
const CALLBACK = /^\/interactions\/(\d+)\/[^/]+\/callback$/;
const ORIGINAL = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/;
const settle = (waiting: Map<string, (at: number) => void>, key: string | undefined, at: number) => {
  const done = key ? waiting.get(key) : undefined;
  if (!key || !done) return;
  waiting.delete(key);
  done(at);
};
discord.onCall((c: RestCall) => {
  const at = performance.now();
  if (c.method === 'POST') settle(firstCallback, CALLBACK.exec(c.path)?.[1], at);
  else if (c.method === 'PATCH') settle(firstCard, ORIGINAL.exec(c.path)?.[1], at);
});

const BURST_DEADLINE_MS = 30_000;
/** A bare client never edits its reply: its cards are given up after this. */
const CARD_DEADLINE_MS = 10_000;

/** Resolves with ms from t0 to the arrival `waiting` reports for `key`, or null past the deadline. */
const arrival = (waiting: Map<string, (at: number) => void>, key: string, t0: number, deadlineMs: number) =>
  new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(key);
      resolve(null);
    }, deadlineMs);
    waiting.set(key, (at) => {
      clearTimeout(timer);
      resolve(at - t0);
    });
  });

/** A new person sends `/ping` for the i-th of `ids` clients from `firstId`: its interaction, and its first answer in ms from the dispatch (null past the deadline). */
function ping(i: number, firstId: number, ids: number): { token: string; t0: number; first: Promise<number | null> } {
  people++;
  const user = { id: String(1_200_000_000_000_100_000n + BigInt(people)), username: `tech${people}` };
  const t0 = performance.now();
  const s = discord.sendCommand({ client: String(firstId + (i % ids)) }, { user });
  return { token: s.token, t0, first: arrival(firstCallback, s.id, t0, BURST_DEADLINE_MS) };
}

/** n interactions at once: each one's first callback, and (pingops) when its card was first shown, in ms from its dispatch. */
async function burst(n: number, firstId: number, ids: number): Promise<{ first: number[]; cards: Promise<number[]> }> {
  const sent = Array.from({ length: n }, (_, i) => {
    const p = ping(i, firstId, ids);
    return { first: p.first, card: arrival(firstCard, p.token, p.t0, CARD_DEADLINE_MS) };
  });
  const first = await Promise.all(sent.map((s) => s.first));
  if (first.some((ms) => ms === null)) throw new Error(`an interaction had no callback within ${BURST_DEADLINE_MS / 1000} s`);
  const cards = Promise.all(sent.map((s) => s.card)).then((ms) => ms.filter((x): x is number => x !== null));
  return { first: first as number[], cards };
}

/** What the whole-chat-path bench reads off the wire since the last mark. */
export interface DiscordPeerStats {
  simRequests: number;
  /** REST calls by kind: `callback` (defer or reply), `edit` (of a reply or message), `post` (a channel message), else method and route. */
  calls: Record<string, number>;
  /** Verdict notifications: channel messages mentioning the person who asked. */
  verdicts: number;
  /** Milliseconds from the mark to the last verdict notification. */
  lastVerdictMs: number | null;
  /** Of the interactions dispatched since the mark, the first answers that came: ms from each one's dispatch. */
  firstAnswerMs: number[];
}

let mark = { at: performance.now(), calls: 0, sim: 0 };
let firstAnswerMs: number[] = [];
const arrivedAt = new WeakMap<RestCall, number>();
discord.onCall((c) => arrivedAt.set(c, performance.now()));

const kindOf = (c: RestCall): string =>
  c.method === 'POST' && CALLBACK.test(c.path)
    ? 'callback'
    : c.method === 'PATCH'
      ? 'edit'
      : c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path)
        ? 'post'
        : `${c.method} ${c.path.replace(/\/\d+/g, '/:id').replace(/(webhooks|interactions)\/:id\/[^/]+/, '$1/:id/:token')}`;

const mentions = (c: RestCall): boolean => {
  const users = (c.body as { allowed_mentions?: { users?: unknown[] } } | null)?.allowed_mentions?.users;
  return Array.isArray(users) && users.length > 0;
};

async function stats(): Promise<DiscordPeerStats> {
  const calls: Record<string, number> = {};
  let verdicts = 0;
  let lastVerdictMs: number | null = null;
  for (const c of discord.calls.slice(mark.calls)) {
    const kind = kindOf(c);
    calls[kind] = (calls[kind] ?? 0) + 1;
    if (kind === 'post' && mentions(c)) {
      verdicts++;
      lastVerdictMs = Math.max(lastVerdictMs ?? 0, (arrivedAt.get(c) ?? mark.at) - mark.at);
    }
  }
  return { simRequests: (await simRequests()) - mark.sim, calls, verdicts, lastVerdictMs: lastVerdictMs === null ? null : Math.round(lastVerdictMs), firstAnswerMs };
}

process.send?.({ urls: { apiUrl: discord.apiUrl, simUrl } });
process.on('message', (m: unknown) => {
  if (m === 'ready') {
    void discord.whenReady().then(() => process.send?.({ ready: true }));
  } else if (m && typeof m === 'object' && 'identified' in m) {
    // The k-th client on this fake is ready: a later client than one that came and went.
    const { identified: k } = m as { identified: number };
    // The bench waits 30 s for the answer; this stops looking then too.
    const giveUp = Date.now() + 30_000;
    const wait = setInterval(() => {
      if (discord.identifies.length < k && Date.now() < giveUp) return;
      clearInterval(wait);
      if (discord.identifies.length >= k) process.send?.({ ready: true });
    }, 20);
  } else if (m === 'mark') {
    void simRequests().then((sim) => {
      mark = { at: performance.now(), calls: discord.calls.length, sim };
      firstAnswerMs = [];
      process.send?.({ marked: true });
    });
  } else if (m === 'stats') {
    void stats().then((s) => process.send?.({ stats: s }));
  } else if (m && typeof m === 'object' && 'checks' in m) {
    // A morning's pings at once: n people, each asking once; the bench reads the verdicts with `stats`.
    const { checks: n, firstId, ids } = m as { checks: number; firstId: number; ids: number };
    const answered = firstAnswerMs;
    for (let i = 0; i < n; i++) void ping(i, firstId, ids).first.then((ms) => ms !== null && answered.push(ms));
    process.send?.({ sent: n });
  } else if (m && typeof m === 'object' && 'burst' in m) {
    const { burst: n, firstId, ids } = m as { burst: number; firstId: number; ids: number };
    burst(n, firstId, ids).then(
      (r) => {
        process.send?.({ answered: r.first });
        void r.cards.then((ms) => process.send?.({ cards: ms }));
      },
      (err: unknown) => process.send?.({ failed: String(err) }),
    );
  }
});
process.on('disconnect', () => {
  sim.disconnect();
  void discord.close().then(() => process.exit(0));
});
