import { App, HTTPReceiver } from '@slack/bolt';

// The yardstick of the Slack ack bench: a bare Bolt app on the same receiver (HTTPReceiver) with
// an ack-only /ping handler, nothing after the ack. Its own process, like the bot's.
const { signingSecret, slackApiUrl } = JSON.parse(process.argv[2] ?? '{}') as { signingSecret: string; slackApiUrl: string };
const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
const app = new App({ token: 'xoxb-bench', receiver, clientOptions: { slackApiUrl } });
app.command('/ping', async ({ ack }) => {
  await ack();
});
const server = await app.start(0);
const address = server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
process.on('disconnect', () => void app.stop().then(() => process.exit(0)));
