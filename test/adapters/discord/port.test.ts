import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client, Events, GatewayIntentBits, REST, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordPort, type Origin } from '../../../src/adapters/discord/port.js';
import { interactionAnswer } from '../../../src/adapters/discord/interaction-answer.js';
import type { View } from '../../../src/present/view.js';
import { createTokenBucket } from '../../../src/util/token-bucket.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ManualClock } from '../../support/manual-clock.js';
import { FAKE_APP_ID, FAKE_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../../fakes/fake-discord.js';

// A real collection, to see what the port keeps alive: V8's `gc` for this process only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let fake: FakeDiscord | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

const view = (status: string): View => ({ title: 'Ana Morales · 1001', status, verdict: null, tone: 'running', fields: [], meaning: null, warning: null, footer: null, buttons: [], final: false, text: status });

describe('createDiscordPort', () => {
  it('keeps editing a status through its interaction token without keeping the interaction itself alive', async () => {
    fake = await startFakeDiscord();
    const gateway = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    client = gateway;
    await gateway.login('fake-bot-token');
    await fake.whenReady();
    const clock = new ManualClock();
    const port = createDiscordPort({
      rest: new REST({ api: fake.apiUrl }).setToken('fake-bot-token'),
      clock,
      log: silentLogger,
      threads: false,
      minEditIntervalMs: 0,
      budget: createTokenBucket({ perMinute: 600, burst: 50, clock }),
    });
    const place = { channel: FAKE_CHANNEL_ID, thread: null };

    // In a function of its own, so that nothing of this frame holds the interaction afterwards.
    const postFrom = async (): Promise<{ id: string; token: string; gone: WeakRef<object> }> => {
      const arrived = new Promise<ChatInputCommandInteraction>((resolve) => {
        const take = (i: Interaction) => {
          if (!i.isChatInputCommand()) return;
          gateway.off(Events.InteractionCreate, take);
          resolve(i);
        };
        gateway.on(Events.InteractionCreate, take);
      });
      const { token } = (fake as FakeDiscord).sendCommand({ client: '1001' });
      const interaction = await arrived;
      const answer = interactionAnswer(interaction);
      const deferral = answer.defer(false);
      const origin: Origin = { answer, defer: () => deferral, deferral: () => deferral, deferredAt: () => clock.now(), answered: false };
      const id = await port.post(place, { view: view('Creating the ping task'), role: 'status', conversationId: 'c1', locale: 'en' }, origin);
      return { id, token, gone: new WeakRef(interaction) };
    };
    const { id, token, gone } = await postFrom();

    // A WeakRef holds its target until the end of the job that made or read it: collect in later ones.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    expect(gone.deref()).toBeUndefined();

    await port.edit(place, id, { view: view('Polling… attempt 2'), role: 'status', conversationId: 'c1', locale: 'en' });
    const original = fake.callsTo('PATCH', new RegExp(`^/webhooks/${FAKE_APP_ID}/${token}/messages/@original$`));
    expect(original).toHaveLength(2);
    expect(JSON.stringify(original[1]?.body)).toContain('Polling… attempt 2');
  });
});
