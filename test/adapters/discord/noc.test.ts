import { afterEach, describe, expect, it } from 'vitest';
import { createNocCommands } from '../../../src/chat/noc-commands.js';
import type { NocStore } from '../../../src/noc/store.js';
import { simInventory } from '../../../src/sim/inventory.js';
import type { PingopsDatabase } from '../../../src/app/core.js';
import { testDatabase } from '../../support/store.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ANA, BRUNO, FAKE_CHANNEL_ID, FAKE_COMMAND_ID, FAKE_GUILD_ID } from '../../fakes/fake-discord.js';
import { bodyOf, routesOf, startRig, type Rig } from './rig.js';

let rig: Rig | undefined;
let db: PingopsDatabase | undefined;
afterEach(async () => {
  await rig?.close();
  db?.close();
  rig = undefined;
  db = undefined;
});

const EPHEMERAL = 64;
/** Discord's Administrator permission bit. */
const ADMINISTRATOR = '8';
const ALERTS_CHANNEL = '1100000000000000099';

async function start(env: Record<string, string> = {}): Promise<{ rig: Rig; store: NocStore }> {
  db = testDatabase(':memory:', { logger: silentLogger });
  const store = db.noc;
  rig = await startRig({
    env: { PINGOPS_ADMINS: ANA.id, ...env },
    noc: (core, access) =>
      createNocCommands({ store, watcher: null, inventory: simInventory(systemClock), directory: core.directory, admins: [ANA.id], access, defaultIntervalMs: 300_000, clock: systemClock, logger: silentLogger }),
  });
  return { rig, store };
}

/** `/noc <group> <sub> options…` as Discord sends it (subcommand group → subcommand → options). */
function noc(group: string | null, sub: string, options: Record<string, unknown>[] = [], resolved?: Record<string, unknown>) {
  const leaf = { name: sub, type: 1, options };
  return { id: FAKE_COMMAND_ID, name: 'noc', type: 1, options: [group ? { name: group, type: 2, options: [leaf] } : leaf], ...(resolved ? { resolved } : {}) };
}

async function answer(r: Rig, token: string) {
  const cb = await r.fake.waitForCall('POST', routesOf(token).callback);
  return bodyOf(cb);
}

describe('/noc on Discord (real discord.js, fake Discord)', () => {
  it('an admin adds a watch with a channel option; the answer is ephemeral and the store has the entry', async () => {
    const { rig, store } = await start();
    const sent = rig.fake.sendInteraction(
      2,
      noc('watch', 'add', [
        { name: 'target', type: 3, value: 'router:12' },
        { name: 'every', type: 3, value: '2m' },
        { name: 'channel', type: 7, value: ALERTS_CHANNEL },
      ], { channels: { [ALERTS_CHANNEL]: { id: ALERTS_CHANNEL, type: 0, name: 'noc-alerts', permissions: '0' } } }),
      { user: ANA },
    );
    const body = await answer(rig, sent.token);
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(EPHEMERAL);
    expect(body.data.content).toContain(`Watching router:12 every 2 min, alerts in channel ${ALERTS_CHANNEL}`);
    expect(await store.listWatches()).toMatchObject([{ kind: 'router', ref: 12, intervalMs: 120_000, channel: ALERTS_CHANNEL }]);
  });

  it('an admin lifts a silence with /noc unsilence; the store has none left', async () => {
    const { rig, store } = await start();
    await store.addSilence({ scope: 'router:12', until: Date.now() + 3_600_000, reason: 'fibre work', createdAt: Date.now() });
    const sent = rig.fake.sendInteraction(2, noc(null, 'unsilence', [{ name: 'scope', type: 3, value: 'router:12' }]), { user: ANA });
    const body = await answer(rig, sent.token);
    expect(body.data.flags).toBe(EPHEMERAL);
    expect(body.data.content).toContain('Lifted the silence on router:12');
    expect(await store.silences(Date.now())).toEqual([]);
  });

  it('another server is refused whole: its Administrator silences nothing, outside the allowed channels too', async () => {
    const { rig, store } = await start({ DISCORD_GUILD_ID: FAKE_GUILD_ID, PINGOPS_ALLOWED_CHANNELS: FAKE_CHANNEL_ID });
    const silence = noc(null, 'silence', [{ name: 'scope', type: 3, value: 'all' }, { name: 'duration', type: 3, value: '30d' }]);
    const foreign = rig.fake.sendInteraction(2, silence, { user: BRUNO, guildId: '1100000000000000777', channelId: '1100000000000000778', permissions: ADMINISTRATOR });
    const refused = await answer(rig, foreign.token);
    expect(refused.data.flags).toBe(EPHEMERAL);
    expect(refused.data.content).toContain('pingops does not answer in this workspace or server');
    expect(await store.silences(Date.now())).toEqual([]);
    // At home, Administrator counts; outside PINGOPS_ALLOWED_CHANNELS even reading is refused.
    const home = rig.fake.sendInteraction(2, silence, { user: BRUNO, permissions: ADMINISTRATOR });
    expect((await answer(rig, home.token)).data.content).toContain('Silenced all for 30 d');
    const elsewhere = rig.fake.sendInteraction(2, noc(null, 'status'), { user: ANA, channelId: '1100000000000000779' });
    expect((await answer(rig, elsewhere.token)).data.content).toContain(`pingops does not answer here. Use it in: ${FAKE_CHANNEL_ID}`);
  });

  it('without DISCORD_GUILD_ID an Administrator is no pingops admin (PINGOPS_ADMINS still are)', async () => {
    const { rig, store } = await start();
    const sent = rig.fake.sendInteraction(2, noc(null, 'silence', [{ name: 'scope', type: 3, value: 'all' }, { name: 'duration', type: 3, value: '1h' }]), { user: BRUNO, permissions: ADMINISTRATOR });
    expect((await answer(rig, sent.token)).data.content).toContain('ask an admin');
    expect(await store.silences(Date.now())).toEqual([]);
  });

  it('someone not in PINGOPS_ADMINS is told to ask an admin; silence changes nothing; status and list answer everyone', async () => {
    const { rig, store } = await start();
    const sent = rig.fake.sendInteraction(2, noc(null, 'silence', [{ name: 'scope', type: 3, value: 'router:12' }, { name: 'duration', type: 3, value: '2h' }, { name: 'reason', type: 3, value: 'fibre work' }]), { user: BRUNO });
    const refused = await answer(rig, sent.token);
    expect(refused.data.flags).toBe(EPHEMERAL);
    expect(refused.data.content).toContain('ask an admin: /noc silence router:12 2h fibre work');
    expect(await store.silences(Date.now())).toEqual([]);
    const list = rig.fake.sendInteraction(2, noc('watch', 'list'), { user: BRUNO });
    expect((await answer(rig, list.token)).data.content).toContain('Watching nothing.');
    const status = rig.fake.sendInteraction(2, noc(null, 'status'), { user: BRUNO });
    expect((await answer(rig, status.token)).data).toMatchObject({ flags: EPHEMERAL, content: expect.stringContaining('The NOC watcher has not run on this store yet.') });
  });

  it('a /noc that fails inside is answered privately that something went wrong, once, and the bot keeps serving', async () => {
    db = testDatabase(':memory:', { logger: silentLogger });
    const store = db.noc;
    rig = await startRig({
      env: { PINGOPS_ADMINS: ANA.id },
      noc: (core, access) => {
        const real = createNocCommands({ store, watcher: null, inventory: simInventory(systemClock), directory: core.directory, admins: [ANA.id], access, defaultIntervalMs: 300_000, clock: systemClock, logger: silentLogger });
        let calls = 0;
        return { ...real, handle: (...args) => (++calls === 1 ? Promise.reject(new Error('store away')) : real.handle(...args)) };
      },
    });
    const sent = rig.fake.sendInteraction(2, noc(null, 'status'), { user: ANA });
    expect(await answer(rig, sent.token)).toMatchObject({ type: 4, data: { flags: EPHEMERAL, content: expect.stringContaining('Something went wrong') } });
    expect(rig.fake.callsTo('POST', routesOf(sent.token).callback)).toHaveLength(1);
    const again = rig.fake.sendInteraction(2, noc(null, 'status'), { user: ANA });
    expect((await answer(rig, again.token)).data.content).toContain('The NOC watcher has not run on this store yet.');
  });

  it('autocompletes targets with all, routers and zones of the inventory, and clients of the directory; scopes name clients as client:N', async () => {
    const { rig } = await start();
    const routers = rig.fake.sendInteraction(4, noc('watch', 'add', [{ name: 'target', type: 3, value: 'router:9', focused: true }]));
    const choices = (await answer(rig, routers.token)).data.choices;
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.every((c) => c.value.startsWith('router:9'))).toBe(true);
    expect(choices.map((c) => c.name)).toContain('router:91 · RB-9.1 (Zona 9)');
    const clients = rig.fake.sendInteraction(4, noc(null, 'silence', [{ name: 'scope', type: 3, value: 'Ana Mor', focused: true }]));
    const clientChoices = (await answer(rig, clients.token)).data.choices;
    expect(clientChoices).toContainEqual({ name: 'Ana Morales · 1001', value: 'client:1001' });
  });
});
