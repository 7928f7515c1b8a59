import { App, HTTPReceiver } from '@slack/bolt';
import { plainCheck } from './load.js';

/**
 * The floor of the chat bench: a Slack bot that gives a person the messages pingops gives them
 * and does nothing more. A bare Bolt app on the same receiver acks `/ping`, pings the line as
 * the plain poller does (fetch, the documented schedule), and posts the three messages pingops
 * posts per check with bare fetch: the card in the channel, the status in its thread, the verdict reply
 * that mentions the person. It edits nothing, keeps nothing, logs nothing, and looks nobody up.
 * What it costs beyond the poller is what the poller's own means (fetch) cost once they also
 * answer people in Slack with pingops' messages; what pingops costs beyond it is everything else
 * pingops does (store, logs, live edits, look-ups, the queue and the budget).
 */
const { signingSecret, slackApiUrl, simUrl } = JSON.parse(process.argv[2] ?? '{}') as { signingSecret: string; slackApiUrl: string; simUrl: string };
const TOKEN = 'xoxb-bench';
const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
const app = new App({ token: TOKEN, receiver, clientOptions: { slackApiUrl } });

async function post(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${slackApiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { ok?: boolean; ts?: string; error?: string };
  if (!answer.ok || !answer.ts) throw new Error(`chat.postMessage: ${answer.error ?? res.status}`);
  return answer.ts;
}

app.command('/ping', async ({ ack, command }) => {
  await ack();
  const serviceId = Number(command.text);
  const channel = command.channel_id;
  const root = await post({ channel, text: `Line ${serviceId}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*Line ${serviceId}*` } }] });
  await post({ channel, thread_ts: root, text: `Checking ${serviceId}…` });
  const { verdict } = await plainCheck(simUrl, serviceId, 15_000);
  await post({
    channel,
    thread_ts: root,
    text: `<@${command.user_id}> ${serviceId}: ${verdict}`,
    blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: command.user_id }, { type: 'text', text: ` ${serviceId}: ${verdict}` }] }] }],
  });
});

const server = await app.start(0);
const address = server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
process.on('disconnect', () => void app.stop().then(() => process.exit(0)));
