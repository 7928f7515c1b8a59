import { queryObjects } from 'node:v8';
import { ChatInputCommandInteraction, Client, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { interactionAnswer } from '../../../src/adapters/discord/interaction-answer.js';
import { toTextMessage } from '../../../src/adapters/discord/embed.js';
import { ANA, startFakeDiscord, type FakeDiscord } from '../../fakes/fake-discord.js';
import { BOT_TOKEN, bodyOf, finalEdit, routesOf, startRig, type Rig } from './rig.js';

let rig: Rig | undefined;
let fake: FakeDiscord | undefined;
let client: Client | undefined;
afterEach(async () => {
  await rig?.close();
  await client?.destroy();
  await fake?.close();
  rig = undefined;
  client = undefined;
  fake = undefined;
});

/** discord.js interactions of /ping alive now; V8 collects all garbage before it counts. */
const commandInteractionsAlive = () => queryObjects(ChatInputCommandInteraction, { format: 'count' });

describe('a check in flight through Discord', () => {
  it('lets its interaction go once the command is handed over, and still edits, cancels and ends through its token', async () => {
    rig = await startRig();
    const sent = rig.fake.sendCommand({ client: '1005' }, { user: ANA }); // never finishes on its own
    const card = await rig.fake.waitForCall('PATCH', routesOf(sent.token).original);
    expect(rig.core.service.inFlight).toBe(1);
    // Later turns: the gateway's dispatch and the deferral's promise jobs are behind us.
    for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
    expect(commandInteractionsAlive()).toBe(0);

    const cancelId = (bodyOf(card).components[0]?.components ?? []).map((c) => c.custom_id).find((id) => id.startsWith('pingops:cancel:')) ?? '';
    const press = rig.fake.sendButton(cancelId, rig.fake.originalMessageId(sent.token) ?? '', { user: ANA });
    expect(bodyOf(await rig.fake.waitForCall('POST', routesOf(press.token).callback))).toEqual({ type: 6 });
    const last = await finalEdit(rig.fake, sent.token);
    expect(bodyOf(last).embeds[0]?.description).toContain('Cancelled by ana.tech');
  });
});

describe('interactionAnswer', () => {
  /** A real interaction from the fake gateway, and its answers. */
  const arrive = async () => {
    fake = await startFakeDiscord({ token: BOT_TOKEN });
    const gateway = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    client = gateway;
    const arrived = new Promise<ChatInputCommandInteraction>((resolve) => gateway.on(Events.InteractionCreate, (i: Interaction) => i.isChatInputCommand() && resolve(i)));
    await gateway.login(BOT_TOKEN);
    await fake.whenReady();
    const sent = fake.sendCommand({ client: '1001' });
    return { fake, sent, answer: interactionAnswer(await arrived) };
  };

  it('sends what discord.js would: a private deferral, its text in place, then a private follow-up', async () => {
    const { fake, sent, answer } = await arrive();
    const r = routesOf(sent.token);
    await answer.defer(true);
    expect([answer.deferred, answer.replied, answer.ephemeral]).toEqual([true, false, true]);
    await answer.editOriginal(toTextMessage('history: *none*'));
    await answer.followUp(toTextMessage('one more'), true);
    await answer.deleteOriginal();
    expect(fake.callsTo('POST', r.callback).map(bodyOf)).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(bodyOf(fake.callsTo('PATCH', r.original)[0]!)).toEqual({ content: 'history: \\*none\\*', allowed_mentions: { parse: [] } });
    expect(fake.callsTo('POST', r.followUp).map(bodyOf)).toEqual([{ content: 'one more', allowed_mentions: { parse: [] }, flags: 64 }]);
    expect(fake.callsTo('DELETE', r.original)).toHaveLength(1);
    expect(answer.replied).toBe(true);
  });

  it('refuses a second first answer before it reaches Discord, as discord.js does', async () => {
    const { fake, sent, answer } = await arrive();
    await answer.reply(toTextMessage('Usage: /ping client'), true);
    await expect(answer.defer(false)).rejects.toThrow('already been answered');
    await expect(answer.deferUpdate()).rejects.toThrow('already been answered');
    expect(fake.callsTo('POST', routesOf(sent.token).callback).map(bodyOf)).toEqual([{ type: 4, data: { content: 'Usage: /ping client', allowed_mentions: { parse: [] }, flags: 64 } }]);
  });
});
