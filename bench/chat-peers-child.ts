import { startSimulator } from '../src/sim/server.js';
import { silentLogger } from '../src/util/logger.js';
import { startFakeSlack, type SlackCall } from '../test/fakes/fake-slack.js';

/**
 * The bot's peers for the chat benches (fake Slack and the Ping API simulator) in their own
 * process, plus what the benches read off the wire: Web API calls by method and arrival time,
 * the mention replies that carry verdicts, and chat.update calls that repeat the message's
 * previous view or come after the last verdict.
 */
export interface PeerStats {
  simRequests: number;
  /** Calls per Web API method (and `response_url`) since the last mark. */
  methods: Record<string, number>;
  /** Verdict notifications (a mention reply in the check's thread). */
  verdicts: number;
  /** Milliseconds from the mark to the last verdict notification. */
  lastVerdictMs: number | null;
  updates: number;
  /** chat.update calls whose body equals the previous update of the same message. */
  sameAsBefore: number;
  /** chat.update calls that arrived after the last verdict notification. */
  updatesAfterLastVerdict: number;
  /** Of those, views of a running check (a Cancel button): stale by then. */
  runningAfterLastVerdict: number;
}

const slack = await startFakeSlack();
// The people who send the benches' commands (bench/slack-client-child: UBENCH0…) are the
// workspace's members, as a real team's technicians are: the bot reads them with users.list.
for (let i = 0; i < 1000; i++) slack.setUser(`UBENCH${i}`, { locale: 'en-US' });
const sim = await startSimulator({ logger: silentLogger, speed: Number(process.argv[2] ?? 1) });
let markedAt = performance.now();
let simBase = 0;
const arrived = new Map<number, number>();
const timeCalls = () => {
  for (const method of ['chat.update', 'chat.postMessage']) {
    slack.on(method, (c: SlackCall) => {
      arrived.set(c.seq, performance.now() - markedAt);
      return undefined;
    });
  }
};
timeCalls();

function stats(): PeerStats {
  const methods: Record<string, number> = {};
  let verdicts = 0;
  let lastVerdictMs: number | null = null;
  for (const c of slack.calls) {
    methods[c.method] = (methods[c.method] ?? 0) + 1;
    if (c.method === 'chat.postMessage' && c.args.thread_ts && c.raw.includes('UBENCH') && c.raw.includes('user_id')) {
      verdicts++;
      lastVerdictMs = Math.max(lastVerdictMs ?? 0, arrived.get(c.seq) ?? 0);
    }
  }
  const previous = new Map<string, string>();
  let updates = 0;
  let sameAsBefore = 0;
  let after = 0;
  let running = 0;
  for (const c of slack.calls) {
    if (c.method !== 'chat.update') continue;
    updates++;
    const key = `${String(c.args.channel)}/${String(c.args.ts)}`;
    if (previous.get(key) === c.raw) sameAsBefore++;
    previous.set(key, c.raw);
    if (lastVerdictMs !== null && (arrived.get(c.seq) ?? 0) > lastVerdictMs) {
      after++;
      if (c.raw.includes('pingops_cancel')) running++;
    }
  }
  return { simRequests: sim.stats().requests - simBase, methods, verdicts, lastVerdictMs: lastVerdictMs === null ? null : Math.round(lastVerdictMs), updates, sameAsBefore, updatesAfterLastVerdict: after, runningAfterLastVerdict: running };
}

process.send?.({ slackApiUrl: slack.apiUrl, responseUrl: slack.responseUrl('bench'), simUrl: sim.url });
process.on('message', (m) => {
  if (m === 'mark') {
    slack.reset();
    arrived.clear();
    timeCalls();
    markedAt = performance.now();
    simBase = sim.stats().requests;
    process.send?.({ marked: true });
  } else if (m === 'stats') {
    process.send?.({ stats: stats() });
  }
});
process.on('disconnect', () => void Promise.all([slack.close(), sim.close()]).then(() => process.exit(0)));
