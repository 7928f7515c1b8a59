import { Client, Events, GatewayIntentBits } from 'discord.js';

// The yardstick of the Discord deferral bench: a bare discord.js client with the bot's client
// options that defers every /ping at once, nothing after. Its own process, like the bot's.
const { token, apiUrl } = JSON.parse(process.argv[2] ?? '{}') as { token: string; apiUrl: string };
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl }, allowedMentions: { parse: [], repliedUser: false } });
client.on(Events.InteractionCreate, (i) => {
  if (i.isChatInputCommand()) void i.deferReply().catch(() => undefined);
});
const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
await client.login(token);
await ready;
process.send?.({ ready: true });
process.on('disconnect', () => void client.destroy().then(() => process.exit(0)));
