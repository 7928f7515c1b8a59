import { createHmac } from 'node:crypto';
import http from 'node:http';

/**
 * Slack's side of the chat benches, in its own process so its HTTP client never queues behind the
 * app's event loop: bursts of signed `/ping` commands (one person each), every burst sent at once,
 * a pause between bursts. Prints the round trips (send -> 200 read) of each burst as one JSON line.
 */
interface Plan {
  url: string;
  secret: string;
  responseUrl: string;
  /** Commands per burst, in order; the people of later bursts are new ones. */
  bursts: number[];
  pauseMs: number;
  /** Service ids are `firstId + (i % ids)`. */
  firstId: number;
  ids: number;
  /** Open connections at most (Slack keeps a few alive per app). */
  maxSockets: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const agent = new http.Agent({ keepAlive: true, maxSockets: plan.maxSockets });

function send(i: number, retried = false): Promise<number> {
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: `CBENCH${i % 20}`,
    user_id: `UBENCH${i}`,
    user_name: `tech${i}`,
    command: '/ping',
    text: String(plan.firstId + (i % plan.ids)),
    response_url: plan.responseUrl,
    trigger_id: 't',
    api_app_id: 'A0001',
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', plan.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      plan.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': sig,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`command ${i} answered ${res.statusCode}`))));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`command ${i}: no answer in 30 s`)));
    // A kept-alive socket the server closed just as it was reused: send again, as Node's docs advise.
    req.on('error', (err: NodeJS.ErrnoException) => (req.reusedSocket && err.code === 'ECONNRESET' && !retried ? send(i, true).then(resolve, reject) : reject(err)));
    req.end(body);
  });
}

const out: number[][] = [];
let next = 0;
for (const [b, n] of plan.bursts.entries()) {
  if (b > 0) await new Promise((r) => setTimeout(r, plan.pauseMs));
  const first = next;
  next += n;
  out.push(await Promise.all(Array.from({ length: n }, (_, i) => send(first + i))));
}
agent.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
