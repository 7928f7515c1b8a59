import { Client, Events, GatewayIntentBits, Routes } from 'discord.js';
import { plainCheck } from './load.js';

/**
 * The floor of the Discord chat bench, as bench/bare-chat-child is Slack's: a bare discord.js
 * client (its default options) that defers each /ping, shows a card in the reply, pings the line
 * as the plain poller does (fetch, the documented schedule) and posts the verdict notification
 * that mentions the person: the REST calls pingops makes per check before its final edits. It
 * keeps nothing, logs nothing and looks nobody up. What it costs beyond the poller is what the
 * poller's own means cost once they also answer people through discord.js.
 */
const { token, apiUrl, simUrl } = JSON.parse(process.argv[2] ?? '{}') as { token: string; apiUrl: string; simUrl: string };
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl }, allowedMentions: { parse: [], repliedUser: false } });

client.on(Events.InteractionCreate, (i) => {
  if (!i.isChatInputCommand()) return;
  void (async () => {
    const serviceId = Number(i.options.getString('client'));
    await i.deferReply();
    await i.editReply({ embeds: [{ title: `Line ${serviceId}`, description: 'Checking…' }] });
    const { verdict } = await plainCheck(simUrl, serviceId, 15_000);
    await client.rest.post(Routes.channelMessages(i.channelId), { body: { content: `<@${i.user.id}> ${serviceId}: ${verdict}`, allowed_mentions: { parse: [], users: [i.user.id] } } });
  })().catch(() => undefined);
});

const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
await client.login(token);
await ready;
process.send?.({ ready: true });
process.on('disconnect', () => void client.destroy().then(() => process.exit(0)));
