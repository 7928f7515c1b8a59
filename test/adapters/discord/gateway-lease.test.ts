import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayLease } from '../../../src/adapters/discord/discord-surface.js';
import type { LeaseName, LeaseStore } from '../../../src/store/ports.js';
import { silentLogger } from '../../../src/util/logger.js';
import { runWhileLeading } from '../../../src/util/leadership.js';
import { startFakeDiscord, ANA, FAKE_CHANNEL_ID, type FakeDiscord } from '../../fakes/fake-discord.js';
import type { NocLink } from '../../../src/chat/noc-desk.js';
import type { ChatPort } from '../../../src/chat/port.js';
import type { View } from '../../../src/present/view.js';
import { ManualClock } from '../../support/manual-clock.js';
import { until } from '../../support/spawn.js';
import { testDatabase } from '../../support/store.js';
import { BOT_TOKEN, finalEdit, routesOf, startRig, type Rig } from './rig.js';

// The Discord surface under the `discord-gateway` lease (two surfaces, one lease table, one fake
// Discord): the lease runs in virtual time, discord.js on the real wire.
const S = { ttlMs: 15_000, renewMs: 5_000 };
const T = 1_000_000_000_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

/** A replica's view of the lease table: `cut` makes every call fail, as a store out of reach does. */
function leaseOf(leases: LeaseStore, clock: ManualClock, id: string) {
  const state = { cut: false };
  const store: Pick<LeaseStore, 'claim' | 'release'> = {
    claim: async (...args) => {
      if (state.cut) throw new Error('connection lost');
      return leases.claim(...args);
    },
    release: async (...args) => {
      if (state.cut) throw new Error('connection lost');
      return leases.release(...args);
    },
  };
  const gateway: GatewayLease = (start) =>
    runWhileLeading<Awaited<ReturnType<typeof start>>, LeaseName>({
      store,
      lease: 'discord-gateway',
      runs: 'the Discord gateway session',
      holder: { id, pid: 1, host: `${id}.elsewhere` },
      isStale: () => false,
      settings: S,
      clock,
      logger: silentLogger,
      start,
    });
  return { state, gateway };
}

/** A NOC link that keeps the port each surface attaches (the NOC posts through it). */
function nocLink(ports: ChatPort[]): NocLink {
  return { attach: (port) => void ports.push(port), press: async () => {} };
}

async function replicas(): Promise<{ fake: FakeDiscord; clock: ManualClock; a: Rig; b: Rig; cutA: () => void; ports: { a: ChatPort[]; b: ChatPort[] } }> {
  const ports = { a: [] as ChatPort[], b: [] as ChatPort[] };
  const fake = await startFakeDiscord({ token: BOT_TOKEN });
  cleanup.push(() => fake.close());
  const clock = new ManualClock(T);
  const db = testDatabase(':memory:', { clock });
  cleanup.push(() => db.close());
  const la = leaseOf(db.leases, clock, 'a');
  const lb = leaseOf(db.leases, clock, 'b');
  const a = await startRig({ fake, gateway: la.gateway, nocLink: nocLink(ports.a) });
  cleanup.push(() => a.close());
  await clock.advance(10);
  await until(() => fake.sessions().open === 1 && fake.identifies.length === 1, 'the first replica on the gateway');
  const b = await startRig({ fake, gateway: lb.gateway, nocLink: nocLink(ports.b) });
  cleanup.push(() => b.close());
  await clock.advance(10);
  return { fake, clock, a, b, cutA: () => (la.state.cut = true), ports };
}

describe('the Discord gateway under a lease', () => {
  it('one session while the holder renews; the standby keeps claiming and never logs in', async () => {
    const { fake, clock } = await replicas();
    for (let i = 0; i < 6; i++) await clock.advance(S.renewMs);
    // An interaction is answered once: there is one session to receive it.
    const sent = fake.sendCommand({ client: '1001' }, { user: ANA });
    await finalEdit(fake, sent.token);
    expect(fake.callsTo('POST', routesOf(sent.token).callback)).toHaveLength(1);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.sessions()).toEqual({ open: 1, maxOpen: 1 });
  }, 60_000);

  it('a holder that cannot renew closes its session at the fence, before the lease runs out; the standby logs in only after', async () => {
    const { fake, clock, cutA } = await replicas();
    cutA();
    // Renewals fail from here; the fence is the TTL less its margin (3 s) after the last claim.
    await clock.advance(S.ttlMs - 3_000);
    await until(() => fake.sessions().open === 0 || undefined, 'the fenced holder closing its session');
    expect(fake.identifies).toHaveLength(1);
    // The lease runs out; the standby's next claim wins and it logs in.
    await clock.advance(3_000 + S.renewMs);
    await until(() => fake.identifies.length === 2 || undefined, 'the standby identifying');
    await until(() => fake.sessions().open === 1 || undefined, 'one session open');
    expect(fake.sessions().maxOpen).toBe(1);
    const sent = fake.sendCommand({ client: '1002' }, { user: ANA });
    await finalEdit(fake, sent.token);
    expect(fake.callsTo('POST', routesOf(sent.token).callback)).toHaveLength(1);
  }, 60_000);

  it('a graceful stop gives the gateway back: the standby takes it at its next claim', async () => {
    const { fake, clock, a } = await replicas();
    await a.surface.stop();
    expect(fake.sessions().open).toBe(0);
    await clock.advance(S.renewMs + 10);
    await until(() => fake.identifies.length === 2 || undefined, 'the standby identifying');
    expect(fake.sessions().maxOpen).toBe(1);
  }, 60_000);

  it('a standby without a session still posts and edits over REST with the bot token (NOC incidents, the checks it owns)', async () => {
    const { fake, ports } = await replicas();
    const standby = ports.b[0];
    if (!standby) throw new Error('the standby attached no port');
    const place = { channel: FAKE_CHANNEL_ID, thread: null };
    const view = (status: string, final: boolean): View => ({ title: 'Router 91', status, verdict: null, tone: final ? 'good' : 'bad', fields: [], meaning: null, warning: null, footer: null, buttons: [], final, text: status });
    const id = await standby.post(place, { view: view('Router 91 is down', false), role: 'full', conversationId: 'noc-7', locale: 'en' });
    const posted = fake.callsTo('POST', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages$`)).at(-1);
    expect(posted?.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    await standby.edit(place, id, { view: view('Router 91 is back', true), role: 'full', conversationId: 'noc-7', locale: 'en' });
    const edited = fake.callsTo('PATCH', new RegExp(`^/channels/${FAKE_CHANNEL_ID}/messages/${id}$`));
    expect(edited).toHaveLength(1);
    expect(JSON.stringify(edited[0]?.body)).toContain('Router 91 is back');
    // All of it without a second session.
    expect(fake.identifies).toHaveLength(1);
    expect(fake.sessions()).toEqual({ open: 1, maxOpen: 1 });
  }, 60_000);

  it('a token Discord refuses stops the start (without the token in the error), before the gateway lease is asked for', async () => {
    const fake = await startFakeDiscord({ token: BOT_TOKEN });
    cleanup.push(() => fake.close());
    let asked = 0;
    const gateway: GatewayLease = () => {
      asked++;
      throw new Error('the lease must not be asked for');
    };
    const start = startRig({ fake, env: { DISCORD_TOKEN: 'not-the-SecretToken' }, gateway });
    await expect(start).rejects.toThrow(/^Discord login failed: /);
    await expect(start).rejects.not.toThrow(/not-the-SecretToken/);
    expect(asked).toBe(0);
    expect(fake.identifies).toHaveLength(0);
  }, 60_000);
});
