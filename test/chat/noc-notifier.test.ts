import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { channelFits, createNocChat, entryFor, planEvent, type NocSurface } from '../../src/chat/noc-notifier.js';
import type { ChatPort, OutgoingMessage, Place } from '../../src/chat/port.js';
import type { Incident, NocEvent, WatchEntry } from '../../src/noc/types.js';
import type { PingopsDatabase } from '../../src/app.js';
import { testDatabase } from '../support/store.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { createTokenBucket } from '../../src/util/token-bucket.js';

// The notifier's rules and its records, over the real SQLite store and a recording port (what a
// platform would have received): a redelivered outbox id posts nothing twice; a new process
// continues the same root and thread.

type Sent = { kind: 'post' | 'edit' | 'reply' | 'thread'; place: Place; id?: string; text?: string; message?: OutgoingMessage; broadcast?: boolean };

function recordingPort(surface: NocSurface, opts: { threads?: boolean } = {}) {
  const sent: Sent[] = [];
  let n = 0;
  let failNextReply = 0;
  const port: ChatPort = {
    surface,
    rootCards: true,
    editBudget: createTokenBucket({ perMinute: 6000, burst: 100, clock: systemClock }),
    minEditIntervalMs: 0,
    async post(place, message) {
      const id = `m${++n}`;
      sent.push({ kind: 'post', place, id, message });
      return id;
    },
    async edit(place, id, message) {
      sent.push({ kind: 'edit', place, id, message });
      return undefined;
    },
    async reply(place, _anchor, text, o) {
      if (failNextReply > 0) {
        failNextReply--;
        throw new Error('platform said no');
      }
      sent.push({ kind: 'reply', place, text, broadcast: o.broadcast ?? false });
    },
    async replyPrivately() {},
    postFailedText: () => 'failed',
    ...(opts.threads
      ? {
          async openThread(place: Place, messageId: string) {
            sent.push({ kind: 'thread', place, id: messageId });
            return `t-${messageId}`;
          },
        }
      : {}),
  };
  return { port, sent, failReplies: (k: number) => (failNextReply = k) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function db(): PingopsDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-noc-notifier-'));
  dirs.push(dir);
  return testDatabase(join(dir, 'store.db'));
}

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 7,
  scope: 'router:91',
  group: null,
  label: 'RB-9.1 (Zona 9)',
  state: 'open',
  openedAt: Date.now() - 120_000,
  ackedBy: null,
  ackedAt: null,
  resolvedAt: null,
  nextReminderAt: null,
  alerted: true,
  members: [
    { serviceId: 1516, name: 'Carlos Gómez', verdict: 'no_internet', health: 'down', at: 0 },
    { serviceId: 1517, name: 'Ana *Ruiz*', verdict: 'stable', health: 'up', at: 0 },
  ],
  notes: [],
  ...over,
});

function chat(store: PingopsDatabase, watches: WatchEntry[] = [], channels: Record<NocSurface, string | null> = { slack: 'C0NOC', discord: '1100000000000000004' }, surfaces: NocSurface[] = ['slack']) {
  return createNocChat({ store: store.nocMessages, surfaces, channels, watches: async () => watches, locale: 'en', clock: systemClock, logger: silentLogger, connectTimeoutMs: 50 });
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

const report = { source: 'Alertmanager', title: 'ClientLinkDown', serviceId: 1001, label: 'client-1001 Ana Morales', verdict: 'stable' as const, lossPct: 0, rttMs: 23, at: 0 };

describe('planEvent: which event edits the root, which is a thread reply, which broadcasts', () => {
  const i = incident();
  it.each<[NocEvent['kind'], NocEvent, ReturnType<typeof planEvent>]>([
    ['opened', { kind: 'opened', incident: i, at: 0 }, { root: true, reply: 'thread', broadcast: true, edit: null }],
    ['members_changed', { kind: 'members_changed', incident: i, down: [1], back: [], at: 0 }, { root: true, reply: 'thread', broadcast: false, edit: 'live' }],
    ['acked', { kind: 'acked', incident: i, by: 'ana', at: 0 }, { root: true, reply: 'thread', broadcast: false, edit: 'live' }],
    ['reminder', { kind: 'reminder', incident: i, at: 0 }, { root: true, reply: 'thread', broadcast: false, edit: 'live' }],
    ['silenced', { kind: 'silenced', incident: i, by: 'ana', until: 0, at: 0 }, { root: true, reply: 'thread', broadcast: false, edit: 'live' }],
    ['resolved', { kind: 'resolved', incident: i, durationMs: 1, at: 0 }, { root: true, reply: 'thread', broadcast: true, edit: 'final' }],
    ['flapping', { kind: 'flapping', scope: 'client:1', label: 'x', changes: 4, windowMs: 1, at: 0 }, { root: false, reply: 'thread', broadcast: false, edit: null }],
    ['budget_warning', { kind: 'budget_warning', message: 'm', stretched: [], at: 0 }, { root: false, reply: 'channel', broadcast: false, edit: null }],
    ['intake_note', { kind: 'intake_note', why: 'answers', channel: null, ...report }, { root: false, reply: 'channel', broadcast: false, edit: null }],
    ['intake_resolved', { kind: 'intake_resolved', incident: i, ...report }, { root: true, reply: 'thread', broadcast: false, edit: 'live' }],
  ])('%s', (_k, e, plan) => expect(planEvent(e)).toEqual(plan));
});

describe('where an incident goes', () => {
  const w = (kind: WatchEntry['kind'], ref: number | null, channel: string | null): WatchEntry => ({ id: 1, kind, ref, intervalMs: 1, channel, createdAt: 0 });
  it('its own entry, then its group, then all; channel ids fit one platform each', () => {
    expect(entryFor({ scope: 'client:5', group: 'router:2' }, [w('all', null, 'CALL'), w('router', 2, 'CROUTER')])?.channel).toBe('CROUTER');
    expect(entryFor({ scope: 'router:2', group: null }, [w('all', null, 'CALL'), w('router', 2, 'CROUTER')])?.channel).toBe('CROUTER');
    expect(entryFor({ scope: 'zone:3', group: null }, [w('all', null, 'CALL')])?.channel).toBe('CALL');
    expect(entryFor({ scope: 'zone:3', group: null }, [w('router', 2, 'C')])).toBeNull();
    expect(channelFits('C0123ABCD', 'slack')).toBe(true);
    expect(channelFits('1100000000000000004', 'slack')).toBe(false);
    expect(channelFits('1100000000000000004', 'discord')).toBe(true);
    expect(channelFits('C0123ABCD', 'discord')).toBe(false);
  });
});

describe('the NOC chat notifier', () => {
  it('opens with one root and a broadcast reply; a redelivered outbox id posts nothing twice; a new process continues the same root and thread', async () => {
    const store = db();
    const slack = recordingPort('slack');
    const a = chat(store);
    a.attach(slack.port);
    const open = incident();
    await a.deliver({ kind: 'opened', incident: open, at: Date.now() }, 1);
    expect(slack.sent.map((s) => s.kind)).toEqual(['post', 'reply']);
    const root = slack.sent[0];
    expect(root?.place).toEqual({ channel: 'C0NOC', thread: null });
    expect(root?.message?.view.title).toMatch(/^RB-9\.1 \(Zona 9\) down · 1 of 2 checked · since \d\d:\d\d \(2 min\)$/);
    expect(root?.message?.view.buttons.map((b) => b.id)).toEqual(['noc_ack', 'noc_silence', 'noc_check']);
    expect(slack.sent[1]).toMatchObject({ kind: 'reply', place: { channel: 'C0NOC', thread: 'm1' }, broadcast: true });

    // The outbox delivers the same event again (a crash between the send and its mark).
    await a.deliver({ kind: 'opened', incident: open, at: Date.now() }, 1);
    expect(slack.sent).toHaveLength(2);

    // A new process on the same store: the ack goes into the same thread, the same root is edited.
    const b = chat(store);
    const slack2 = recordingPort('slack');
    b.attach(slack2.port);
    const acked = incident({ state: 'acked', ackedBy: 'ana', ackedAt: Date.now() });
    await b.deliver({ kind: 'acked', incident: acked, by: 'ana', at: Date.now() }, 2);
    await until(() => slack2.sent.some((s) => s.kind === 'edit'));
    expect(slack2.sent.filter((s) => s.kind === 'post')).toEqual([]);
    expect(slack2.sent.find((s) => s.kind === 'reply')).toMatchObject({ place: { channel: 'C0NOC', thread: 'm1' }, text: '👤 Acked by ana: reminders stop.', broadcast: false });
    expect(slack2.sent.find((s) => s.kind === 'edit')).toMatchObject({ id: 'm1' });
    expect(slack2.sent.find((s) => s.kind === 'edit')?.message?.view.buttons.map((x) => x.id)).toEqual(['noc_silence', 'noc_check']);

    // A failed reply fails the delivery (the outbox keeps it); the retry posts it once and ends the root resolved.
    slack2.failReplies(1);
    const resolved = incident({ state: 'resolved', resolvedAt: Date.now(), ackedBy: 'ana' });
    const ev: NocEvent = { kind: 'resolved', incident: resolved, durationMs: 37 * 60_000, at: Date.now() };
    await expect(b.deliver(ev, 3)).rejects.toThrow('platform said no');
    await b.deliver(ev, 3);
    await b.deliver(ev, 3);
    const backs = slack2.sent.filter((s) => s.kind === 'reply' && s.text === '✅ Back after 37 min');
    expect(backs).toHaveLength(1);
    expect(backs[0]?.broadcast).toBe(true);
    const last = slack2.sent.filter((s) => s.kind === 'edit').at(-1);
    expect(last?.id).toBe('m1');
    expect(last?.message?.view).toMatchObject({ final: true, buttons: [], tone: 'good' });
    store.close();
  });

  it('a post cut short by a crash (recorded as sending, never as sent) is posted again: at least once', async () => {
    const store = db();
    const records = store.nocMessages;
    const slack = recordingPort('slack');
    const a = chat(store);
    a.attach(slack.port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    await records.recordPost(2, 'slack', 'reply', 'sending', null, Date.now());
    await a.deliver({ kind: 'reminder', incident: incident(), at: Date.now() }, 2);
    expect(slack.sent.filter((s) => s.kind === 'reply')).toHaveLength(2);
    expect(await records.post(2, 'slack', 'reply')).toMatchObject({ state: 'sent' });
    store.close();
  });

  it('Discord: the thread is started from the root and replies go into it; a watch entry channel of the other platform keeps the default', async () => {
    const store = db();
    const discord = recordingPort('discord', { threads: true });
    const a = chat(store, [{ id: 1, kind: 'router', ref: 91, intervalMs: 1, channel: 'C0SLACKONLY', createdAt: 0 }], { slack: null, discord: '1100000000000000004' }, ['discord']);
    a.attach(discord.port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    expect(discord.sent.map((s) => s.kind)).toEqual(['post', 'thread', 'reply']);
    expect(discord.sent[0]?.place.channel).toBe('1100000000000000004');
    expect(discord.sent[2]?.place).toEqual({ channel: '1100000000000000004', thread: 't-m1' });
    store.close();
  });

  it('a watch entry with its own Slack channel wins; no channel at all posts nothing', async () => {
    const store = db();
    const slack = recordingPort('slack');
    const a = chat(store, [{ id: 1, kind: 'router', ref: 91, intervalMs: 1, channel: 'C0ROUTERS', createdAt: 0 }]);
    a.attach(slack.port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    expect(slack.sent[0]?.place.channel).toBe('C0ROUTERS');
    const none = chat(store, [], { slack: null, discord: null });
    const quiet = recordingPort('slack');
    none.attach(quiet.port);
    await none.deliver({ kind: 'opened', incident: incident({ id: 8 }), at: Date.now() }, 5);
    await none.deliver({ kind: 'budget_warning', message: 'm', stretched: [], at: Date.now() }, 6);
    expect(quiet.sent).toEqual([]);
    store.close();
  });

  it('a new process redraws the roots of open incidents as soon as its surface connects (only the open ones)', async () => {
    const store = db();
    const first = recordingPort('slack');
    const a = chat(store);
    a.attach(first.port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    await a.deliver({ kind: 'opened', incident: incident({ id: 8, scope: 'router:92' }), at: Date.now() }, 2);
    const acked = incident({ state: 'acked', ackedBy: 'ana', ackedAt: Date.now() });
    const b = createNocChat({
      store: store.nocMessages,
      surfaces: ['slack'],
      channels: { slack: 'C0NOC', discord: null },
      watches: async () => [],
      openIncidents: async () => [acked],
      locale: 'en',
      clock: systemClock,
      logger: silentLogger,
    });
    const second = recordingPort('slack');
    b.attach(second.port);
    await until(() => second.sent.length > 0);
    expect(second.sent).toHaveLength(1);
    expect(second.sent[0]).toMatchObject({ kind: 'edit', id: 'm1' });
    expect(second.sent[0]?.message?.view.status).toMatch(/^Acked by ana at \d\d:\d\d$/);
    b.stop();
    store.close();
  });

  it('an alert another system sent: the note goes to the channel (or the one /hooks/check asked for), a resolved alert into its incident\'s thread', async () => {
    const store = db();
    const slack = recordingPort('slack');
    const a = chat(store);
    a.attach(slack.port);
    const open = incident();
    await a.deliver({ kind: 'opened', incident: open, at: Date.now() }, 1);
    await a.deliver({ kind: 'intake_note', why: 'answers', channel: null, ...report }, 2);
    await a.deliver({ kind: 'intake_note', why: 'answers', channel: 'C0TICKETS', ...report }, 3);
    await a.deliver({ kind: 'intake_resolved', incident: open, ...report }, 4);
    const replies = slack.sent.filter((s) => s.kind === 'reply');
    expect(replies.slice(1)).toMatchObject([
      { place: { channel: 'C0NOC', thread: null }, text: 'Alertmanager: ClientLinkDown 1001, but the line answers: stable · 0 % loss · 23 ms' },
      { place: { channel: 'C0TICKETS', thread: null } },
      { place: { channel: 'C0NOC', thread: 'm1' }, text: expect.stringContaining('Alertmanager: ClientLinkDown 1001 resolved') },
    ]);
    store.close();
  });

  it('a flapping notice goes into the thread of its scope\'s latest incident, else into the channel', async () => {
    const store = db();
    const slack = recordingPort('slack');
    const a = createNocChat({
      store: store.nocMessages,
      surfaces: ['slack'],
      channels: { slack: 'C0NOC', discord: null },
      watches: async () => [],
      recentIncidents: async () => [incident({ state: 'resolved', resolvedAt: Date.now() })],
      locale: 'en',
      clock: systemClock,
      logger: silentLogger,
    });
    a.attach(slack.port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    await a.deliver({ kind: 'flapping', scope: 'router:91', label: 'RB-9.1 (Zona 9)', changes: 4, windowMs: 3_600_000, at: Date.now() }, 2);
    await a.deliver({ kind: 'flapping', scope: 'client:1006', label: 'client-1006 Carlos', changes: 4, windowMs: 3_600_000, at: Date.now() }, 3);
    const replies = slack.sent.filter((s) => s.kind === 'reply');
    expect(replies[1]).toMatchObject({ place: { channel: 'C0NOC', thread: 'm1' }, text: expect.stringContaining('RB-9.1 (Zona 9) is flapping: 4 changes within 1 h') });
    expect(replies[2]).toMatchObject({ place: { channel: 'C0NOC', thread: null }, text: expect.stringContaining('client-1006 Carlos is flapping') });
    store.close();
  });

  it('a post the platform refuses for good (not in the channel) is logged and skipped, never holding the outbox', async () => {
    const store = db();
    const slack = recordingPort('slack');
    const refused = Object.assign(new Error('not_in_channel'), { permanent: true });
    let refuse = true;
    const port: ChatPort = {
      ...slack.port,
      async post(place, message) {
        if (refuse) throw refused;
        return slack.port.post(place, message);
      },
      permanentFailure: (err) => (err === refused ? 'not_in_channel' : null),
    };
    const a = chat(store);
    a.attach(port);
    await a.deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1);
    expect(slack.sent).toEqual([]);
    // Invited later: the next event of the incident posts its root, then its reply.
    refuse = false;
    await a.deliver({ kind: 'reminder', incident: incident(), at: Date.now() }, 2);
    expect(slack.sent.map((s) => s.kind)).toEqual(['post', 'reply']);
    // A fault worth retrying still fails the delivery, so the outbox keeps it.
    slack.failReplies(1);
    await expect(a.deliver({ kind: 'reminder', incident: incident(), at: Date.now() }, 3)).rejects.toThrow('platform said no');
    store.close();
  });

  it('a surface not connected yet fails the delivery (the outbox keeps the event)', async () => {
    const store = db();
    await expect(chat(store).deliver({ kind: 'opened', incident: incident(), at: Date.now() }, 1)).rejects.toThrow('slack is not connected yet');
    store.close();
  });
});
