import { afterEach, describe, expect, it } from 'vitest';
import { createConversationEngine, type ConversationEngine } from '../../src/chat/engine.js';
import { rateDecision } from '../../src/chat/access.js';
import type { ChatPort, OutgoingMessage, Person, Place } from '../../src/chat/port.js';
import { createPingService, type PingService } from '../../src/core/ping-service.js';
import type { Directory } from '../../src/directory/types.js';
import { testDatabase } from '../support/store.js';
import type { CheckStore } from '../../src/store/ports.js';
import { silentLogger } from '../../src/util/logger.js';
import { createTokenBucket } from '../../src/util/token-bucket.js';
import { ManualClock } from '../support/manual-clock.js';
import { final, MemoryPingApi, pending } from '../support/memory-ping-api.js';

/** A surface in memory: every post, edit and reply as the engine made it. */
class MemoryPort implements ChatPort {
  readonly surface = 'memory';
  readonly rootCards = true;
  readonly minEditIntervalMs = 100;
  readonly editBudget;
  posts: { place: Place; id: string; message: OutgoingMessage }[] = [];
  edits: { id: string; message: OutgoingMessage }[] = [];
  replies: { place: Place; text: string; mention: string | null }[] = [];
  private seq = 0;
  constructor(clock: ManualClock, editsPerMin = 100_000) {
    this.editBudget = createTokenBucket({ perMinute: editsPerMin, burst: Math.min(1000, editsPerMin), clock });
  }
  async post(place: Place, message: OutgoingMessage) {
    const id = `m${++this.seq}`;
    this.posts.push({ place, id, message });
    return id;
  }
  async edit(_place: Place, id: string, message: OutgoingMessage) {
    this.edits.push({ id, message });
    return undefined;
  }
  async reply(place: Place, _anchor: string | null, text: string, opts: { mention: string | null }) {
    this.replies.push({ place, text, mention: opts.mention });
  }
  async replyPrivately() {}
  postFailedText() {
    return 'could not post';
  }
  lastEdit(id: string) {
    return this.edits.filter((e) => e.id === id).at(-1)?.message.view;
  }
}

const directory: Directory = {
  resolve: async (t) => (t.kind === 'service_id' ? { kind: 'unverified', serviceId: t.serviceId, fault: { kind: 'network', message: 'x', status: null } } : { kind: 'not_found', target: t }),
  client: async () => null,
  suggest: async () => [],
};
const polling = { packets: 4, initialDelayMs: 0, intervalMs: 500, maxIntervalMs: 1000, packetMs: 100, timeoutMs: 20_000, resultCacheMs: 0 };
const ana: Person = { id: 'U1', name: 'ana', locale: 'en' };
const bruno: Person = { id: 'U2', name: 'bruno', locale: 'en' };
const channel: Place = { channel: 'C1', thread: null };

interface World {
  clock: ManualClock;
  api: MemoryPingApi;
  store: CheckStore;
  service: PingService;
  port: MemoryPort;
  engine: ConversationEngine;
  answers: string[];
  answer: (t: string) => Promise<void>;
}

let open: World[] = [];
afterEach(async () => {
  for (const w of open) await w.service.close();
  open = [];
});

function world(o: { store?: CheckStore; clock?: ManualClock; api?: MemoryPingApi; directory?: Directory; editsPerMin?: number; finalsInMemory?: number; access?: Partial<{ allowedChannels: string[]; admins: string[]; userRatePerMin: number; adminRatePerMin: number }> } = {}): World {
  const clock = o.clock ?? new ManualClock();
  const api = o.api ?? new MemoryPingApi();
  const store = o.store ?? testDatabase(':memory:', { logger: silentLogger }).checks;
  const service = createPingService({ api, clock, logger: silentLogger, polling, queue: { take: async () => {}, admit: () => ({ ok: true }) }, random: () => 0.5 });
  const port = new MemoryPort(clock, o.editsPerMin);
  const engine = createConversationEngine({
    port,
    checker: service,
    directory: o.directory ?? directory,
    store,
    clock,
    logger: silentLogger,
    polling,
    access: { allowedChannels: [], admins: [], userRatePerMin: 6, ...o.access },
    tickMs: 0,
    ...(o.finalsInMemory !== undefined ? { finalsInMemory: o.finalsInMemory } : {}),
  });
  const answers: string[] = [];
  const w = { clock, api, store, service, port, engine, answers, answer: async (t: string) => void answers.push(t) };
  open.push(w);
  return w;
}

/** Runs a request to its end in virtual time. */
async function ping(w: World, text: string, person = ana, place = channel): Promise<void> {
  let over = false;
  const p = w.engine.request({ text, person, place, answer: w.answer }).then(() => (over = true));
  await w.clock.until(() => over, 120_000, 100);
  await p;
}

describe('the conversation engine', () => {
  it('posts a root card and a status in its thread, stores the check, and notifies the requester once', async () => {
    const w = world();
    w.api.scripts.set(1001, [pending(), final('stable')]);
    await ping(w, '1001');
    const [root, status] = w.port.posts;
    expect(root?.message.role).toBe('root');
    expect(status?.place.thread).toBe(root?.id);
    expect(w.port.lastEdit(status?.id ?? '')?.verdict).toBe('stable');
    expect(w.port.lastEdit(root?.id ?? '')?.verdict).toBe('stable');
    expect(w.port.replies).toEqual([{ place: { channel: 'C1', thread: root?.id }, text: expect.stringMatching(/Stable/), mention: 'U1' }]);
    const [row] = await w.store.history(1001, 10);
    expect(row).toMatchObject({ requester: 'U1', surface: 'memory', verdict: 'stable', mention: 'sent', delivered: true, taskId: 'task-1001-1', packets: 4 });
    expect(row?.messages).toEqual({ root: root?.id, status: status?.id });
  });

  it('writes the row when the check starts, as its messages are posted, once its task id is known, and around the verdict: never per state or poll', async () => {
    const inner = testDatabase(':memory:', { logger: silentLogger }).checks;
    const patches: string[] = [];
    const store: CheckStore = {
      ...inner,
      update: async (id, patch, now) => {
        patches.push(Object.keys(patch).sort().join('+') + (patch.state ? `=${patch.state}` : ''));
        return inner.update(id, patch, now);
      },
    };
    const w = world({ store });
    // Created, then four polls before the verdict: each a state the card shows, none a write.
    w.api.scripts.set(1001, [pending(), pending(), pending(), pending(), final('stable')]);
    await ping(w, '1001');
    expect(w.api.resultCalls.length).toBeGreaterThanOrEqual(5);
    expect(patches).toEqual(['messages+thread', 'messages+thread', 'state+taskId=created', 'final', 'mention', 'mention', 'delivered']);
    expect(await w.store.get((await w.store.history(1001, 1))[0]?.id ?? '')).toMatchObject({ state: 'done', taskId: 'task-1001-1', delivered: true });
  });

  it('shows the last check on the next card', async () => {
    const w = world();
    await ping(w, '1001');
    await w.clock.advance(2 * 3_600_000);
    w.api.scripts.set(1001, [pending()]);
    void w.engine.request({ text: '1001', person: ana, place: channel, answer: w.answer });
    await w.clock.until(() => w.port.posts.length >= 4);
    expect(w.port.posts[3]?.message.view.fields).toContainEqual({ label: 'Last check', value: '2 h ago: stable' });
  });

  it('answers history privately with the last checks', async () => {
    const w = world();
    await ping(w, '1001');
    await ping(w, '1001 8', bruno);
    await ping(w, 'history 1001');
    expect(w.answers.at(-1)).toMatch(/Service 1001 · last 2 checks:\n• just now · stable · asked by bruno \(memory\)/);
  });

  it('refuses a channel outside PINGOPS_ALLOWED_CHANNELS privately, naming where it is allowed, and asks nothing of the API', async () => {
    const w = world({ access: { allowedChannels: ['C9', 'C8'] } });
    await ping(w, '1001');
    expect(w.answers).toEqual(['pingops does not answer here. Use it in: C9, C8.']);
    expect(w.api.createCalls).toEqual([]);
    expect(w.port.posts).toEqual([]);
  });

  it('slows down the seventh ping of a person within a minute; nothing reaches the API', async () => {
    const w = world();
    for (let i = 0; i < 6; i++) await ping(w, `100${i}`);
    expect(w.api.createCalls).toHaveLength(6);
    await ping(w, '1009');
    expect(w.answers.at(-1)).toMatch(/^Slow down: .* Try again in \d+ s\.$/);
    expect(w.api.createCalls).toHaveLength(6);
    // Someone else is not slowed by it.
    await ping(w, '1009', bruno);
    expect(w.api.createCalls).toHaveLength(7);
  });

  it('gives PINGOPS_ADMINS the admin limit for checking clients by hand: a seventh and a thirtieth ping go through', async () => {
    const w = world({ access: { admins: ['U1'], adminRatePerMin: 30 } });
    for (let i = 0; i < 30; i++) await ping(w, String(1001 + (i % 5)));
    expect(w.answers.filter((a) => a.startsWith('Slow down'))).toEqual([]);
    await ping(w, '1001');
    expect(w.answers.at(-1)).toMatch(/^Slow down: /);
  });

  it('refuses a request from another workspace than the configured one, whatever the person is there', async () => {
    const w = world({ access: { admins: ['U1'] } });
    await ping(w, '1001', { ...ana, isAdmin: true, workspace: { id: 'T0THEIRS', home: 'T0001' } });
    expect(w.answers).toEqual(['pingops does not answer in this workspace or server: it serves only the one it is set up for.']);
    expect(w.api.createCalls).toEqual([]);
  });

  it('lets only the requester or an admin cancel', async () => {
    const w = world({ access: { admins: ['UADMIN'] } });
    w.api.scripts.set(1005, [pending()]);
    const run = w.engine.request({ text: '1005', person: ana, place: channel, answer: w.answer });
    await w.clock.until(() => w.port.posts.length >= 2);
    const id = w.port.posts[1]?.message.conversationId ?? '';
    await w.engine.cancel({ conversationId: id, person: bruno, answer: w.answer });
    expect(w.answers.at(-1)).toBe('Only ana, who started this check, or a pingops admin can cancel it.');
    await w.engine.cancel({ conversationId: id, person: { id: 'UADMIN', name: 'boss', locale: 'en' }, answer: w.answer });
    await w.clock.until(() => w.engine.running === 0);
    await run;
    expect(w.port.lastEdit(w.port.posts[1]?.id ?? '')?.status).toBe('⏹️ Cancelled by boss');
    expect(w.port.replies).toHaveLength(1); // the requester hears who cancelled
  });
});

describe('a request held in the store until taken up (chat/held-requests)', () => {
  it('its check takes the held key as id, and lets the request go once the row is written', async () => {
    const w = world();
    w.api.scripts.set(1001, [pending(), final('stable')]);
    const taken: string[] = [];
    let over = false;
    const p = w.engine
      .request({ text: '1001', person: ana, place: channel, answer: w.answer, held: { key: 'k-1001', replayed: false, release: () => taken.push('k-1001'), handOver: () => taken.push('handed over') } })
      .then(() => (over = true));
    await w.clock.until(async () => (await w.store.get('k-1001')) !== null, 10_000, 10);
    expect(taken).toEqual(['k-1001']);
    await w.clock.until(() => over, 120_000, 100);
    await p;
    expect((await w.store.get('k-1001'))?.verdict).toBe('stable');
    expect(taken).toEqual(['k-1001']);
  });

  /** A ticket that records what became of it. */
  const ticket = (key: string) => {
    const fate: string[] = [];
    return { fate, held: { key, replayed: false, release: () => void fate.push('released'), handOver: () => void fate.push('handed over') } };
  };

  it('arriving while the process stops: handed over to the next start (kept in the store), and the person told so; one not held is asked to try again', async () => {
    const w = world();
    const stopped = w.engine.stop(0);
    await w.clock.advance(1);
    await stopped;
    const t = ticket('k-1');
    await w.engine.request({ text: '1001', person: ana, place: channel, answer: w.answer, held: t.held });
    await w.engine.request({ text: '1002', person: { ...ana, locale: 'es' }, place: channel, answer: w.answer });
    expect(t.fate).toEqual(['handed over']);
    expect(w.answers).toEqual([expect.stringMatching(/restarting: your request is kept and runs as soon as pingops is back/), 'pingops se está reiniciando; inténtalo de nuevo en un minuto.']);
    expect(await w.store.get('k-1')).toBeNull();
    expect(w.api.createCalls).toEqual([]);
  });

  it('whose look-up outlives the stop\'s grace: handed over, not started (a check begun now would outlive the process)', async () => {
    let lookedUp!: () => void;
    const slow: Directory = { ...directory, resolve: (t) => new Promise((r) => (lookedUp = () => void directory.resolve(t).then(r))) };
    const w = world({ directory: slow });
    const t = ticket('k-2');
    let over = false;
    void w.engine.request({ text: '1001', person: ana, place: channel, answer: w.answer, held: t.held }).then(() => (over = true));
    await w.clock.until(() => lookedUp !== undefined, 10_000, 10);
    const stopped = w.engine.stop(1_000);
    await w.clock.advance(1_000);
    await stopped;
    lookedUp();
    await w.clock.until(() => over, 10_000, 10);
    expect(t.fate).toEqual(['handed over']);
    expect(w.answers).toEqual([expect.stringMatching(/your request is kept/)]);
    expect(await w.store.get('k-2')).toBeNull();
    expect(w.api.createCalls).toEqual([]);
  });

  it('replayed after its holder died: a check already written under its key is not started again; one not written is', async () => {
    const w = world();
    w.api.scripts.set(1001, [pending(), final('stable')]);
    await ping(w, '1001');
    const [started] = await w.store.history(1001, 1);
    const posts = w.port.posts.length;
    let over = false;
    const replay = (key: string) => w.engine.request({ text: '1001', person: ana, place: channel, answer: w.answer, held: { key, replayed: true, release: () => undefined, handOver: () => undefined } });
    void replay(started?.id ?? '').then(() => (over = true));
    await w.clock.until(() => over, 10_000, 10);
    expect(w.port.posts).toHaveLength(posts);
    expect(w.api.createCalls).toHaveLength(1);
    over = false;
    w.api.scripts.set(1001, [pending(), final('stable')]);
    void replay('never-written').then(() => (over = true));
    await w.clock.until(() => over, 120_000, 100);
    expect((await w.store.get('never-written'))?.verdict).toBe('stable');
    expect(w.answers).toEqual([]);
  });
});

describe('after a restart', () => {
  it('a check whose deadline passed while down ends as timed out on its own message, with no poll', async () => {
    const clock = new ManualClock();
    const store = testDatabase(':memory:', { logger: silentLogger }).checks;
    const before = world({ clock, store });
    before.api.scripts.set(1005, [pending()]);
    void before.engine.request({ text: '1005', person: ana, place: channel, answer: before.answer });
    await clock.until(async () => (await store.history(1005, 1))[0]?.taskId != null);
    // The process dies: nothing more of it runs; the row stays as it was.
    const stopped = before.engine.stop(0);
    await clock.advance(1);
    await stopped;
    await before.service.close();
    await clock.advance(60_000);

    const after = world({ clock, store });
    const resumeRun = after.engine.resume();
    await clock.until(async () => (await store.history(1005, 1))[0]?.delivered === true);
    await resumeRun;
    const row = (await store.history(1005, 1))[0];
    expect(row?.verdict).toBe('timed_out');
    expect(after.api.resultCalls).toEqual([]);
    expect(after.port.posts).toEqual([]);
    expect(after.port.lastEdit(row?.messages.status ?? '')?.status).toMatch(/Timed out/);
    expect(after.port.lastEdit(row?.messages.root ?? '')?.status).toMatch(/Timed out/);
    expect(after.port.replies).toHaveLength(1);
  });

  it('a check stopped between its root card and its status message gets its status in that thread', async () => {
    const w = world();
    await w.store.insert({ id: 'c1', serviceId: 1001, packets: 4, requester: 'U1', requesterName: 'ana', surface: 'memory', place: { channel: 'C1', thread: null }, messages: {}, locale: 'en', client: null, startedAt: w.clock.now(), deadlineAt: w.clock.now() + 20_000 }, w.clock.now());
    await w.store.update('c1', { messages: { root: 'r1' }, thread: 'r1' }, w.clock.now());
    let over = false;
    void w.engine.resume().then(() => (over = true));
    await w.clock.until(() => over);
    expect(w.port.posts.map((p) => [p.place.thread, p.message.role])).toEqual([['r1', 'status']]);
    expect(w.port.lastEdit('r1')?.verdict).toBe('stable');
    expect(await w.store.get('c1')).toMatchObject({ verdict: 'stable', delivered: true, messages: { root: 'r1', status: 'm1' } });
  });

  it('a check stopped before any of its messages (the person had only the ack) gets its root card and status, and runs from then, even past its old deadline', async () => {
    const w = world();
    const asked = w.clock.now();
    await w.store.insert({ id: 'c1', serviceId: 1001, packets: 4, requester: 'U1', requesterName: 'ana', surface: 'memory', place: { channel: 'C1', thread: null }, messages: {}, locale: 'en', client: null, startedAt: asked, deadlineAt: asked + 20_000 }, asked);
    // Down for longer than the check's timeout: it never ran, so it gets its whole time now.
    await w.clock.advance(30_000);
    w.api.scripts.set(1001, [pending(), final('stable')]);
    let over = false;
    void w.engine.resume().then(() => (over = true));
    await w.clock.until(() => over);
    expect(w.port.posts.map((p) => [p.place.thread, p.message.role])).toEqual([[null, 'root'], ['m1', 'status']]);
    expect(w.port.lastEdit('m2')?.verdict).toBe('stable');
    expect(w.api.createCalls).toEqual([{ serviceId: 1001, packets: 4 }]);
    expect(w.port.replies.map((r) => r.mention)).toEqual(['U1']);
    expect(await w.store.get('c1')).toMatchObject({ verdict: 'stable', delivered: true, messages: { root: 'm1', status: 'm2' } });
  });

  it('a never-ran check resumed with its whole time keeps it across a second restart (not timed out on its first deadline)', async () => {
    const clock = new ManualClock();
    const store = testDatabase(':memory:', { logger: silentLogger }).checks;
    const asked = clock.now();
    await store.insert({ id: 'c1', serviceId: 1001, packets: 4, requester: 'U1', requesterName: 'ana', surface: 'memory', place: { channel: 'C1', thread: null }, messages: {}, locale: 'en', client: null, startedAt: asked, deadlineAt: asked + 20_000 }, asked);
    await clock.advance(30_000);
    const first = world({ clock, store });
    first.api.scripts.set(1001, [pending(), pending(), pending(), pending(), pending(), pending()]);
    void first.engine.resume();
    await clock.until(async () => (await store.get('c1'))?.taskId != null);
    // Killed again 2 s into its new time, 32 s after it was asked: past the first deadline only.
    await clock.advance(2_000);
    const stopped = first.engine.stop(0);
    await clock.advance(1);
    await stopped;
    await first.service.close();

    // The same Ping API (its task runs on), now with the verdict.
    const second = world({ clock, store, api: first.api });
    first.api.scripts.set(1001, [final('stable')]);
    let over = false;
    void second.engine.resume().then(() => (over = true));
    await clock.until(() => over);
    expect(await store.get('c1')).toMatchObject({ verdict: 'stable', delivered: true, startedAt: asked + 30_000, deadlineAt: asked + 50_000 });
    expect(second.port.posts).toEqual([]);
  });

  it('a check stopped before any message in a thread (a mention there) gets one whole message in that thread', async () => {
    const w = world();
    await w.store.insert({ id: 'c1', serviceId: 1001, packets: 4, requester: 'U1', requesterName: 'ana', surface: 'memory', place: { channel: 'C1', thread: 't1' }, messages: {}, locale: 'en', client: null, startedAt: w.clock.now(), deadlineAt: w.clock.now() + 20_000 }, w.clock.now());
    let over = false;
    void w.engine.resume().then(() => (over = true));
    await w.clock.until(() => over);
    expect(w.port.posts.map((p) => [p.place.thread, p.message.role])).toEqual([['t1', 'full']]);
    expect(await w.store.get('c1')).toMatchObject({ verdict: 'stable', delivered: true, messages: { status: 'm1' } });
  });

  it('never sends a notification twice: one recorded as sending is not repeated', async () => {
    const store = testDatabase(':memory:', { logger: silentLogger }).checks;
    const w = world({ store });
    await ping(w, '1001');
    const row = (await store.history(1001, 1))[0];
    if (!row) throw new Error('no row');
    await store.update(row.id, { mention: 'sending', delivered: false }, 0);
    const again = world({ store });
    let over = false;
    void again.engine.resume().then(() => (over = true));
    await again.clock.until(() => over);
    expect(again.port.replies).toEqual([]);
    expect((await store.get(row.id))?.delivered).toBe(true);
  });
});

describe('a notification at most once, on a store that answers late', () => {
  it('posts the verdict notification only after the store has confirmed it is being sent', async () => {
    // A database server that applied the write but has not answered yet (PostgreSQL under load):
    // a crash before its answer must find the record, so the post waits for it.
    const inner = testDatabase(':memory:', { logger: silentLogger }).checks;
    let confirm: () => void = () => {};
    let asked = false;
    const confirmed = new Promise<void>((r) => (confirm = r));
    const store: CheckStore = {
      ...inner,
      update: async (id, patch, now) => {
        await inner.update(id, patch, now);
        if (patch.mention !== 'sending') return;
        asked = true;
        await confirmed;
      },
    };
    const w = world({ store });
    w.api.scripts.set(1001, [pending(), final('stable')]);
    let over = false;
    const p = w.engine.request({ text: '1001', person: ana, place: channel, answer: w.answer }).then(() => (over = true));
    await w.clock.until(() => asked, 120_000, 100);
    await w.clock.advance(30_000);
    expect(w.port.replies).toEqual([]);
    confirm();
    await w.clock.until(() => over, 120_000, 100);
    await p;
    expect(w.port.replies).toHaveLength(1);
    expect((await inner.history(1001, 1))[0]).toMatchObject({ mention: 'sent', delivered: true });
  });
});

describe('rateDecision', () => {
  it.each([
    { times: [], now: 1000, limit: 6, ok: true },
    { times: [0, 1, 2, 3, 4], now: 1000, limit: 6, ok: true },
    { times: [0, 1, 2, 3, 4, 5], now: 1000, limit: 6, ok: false, retry: 59_000 },
    { times: [0, 1, 2, 3, 4, 5], now: 60_000, limit: 6, ok: true },
    { times: [0, 59_500, 59_600, 59_700, 59_800, 59_900], now: 59_999, limit: 6, ok: false, retry: 1000 },
  ])('$times at $now (limit $limit) → ok $ok', ({ times, now, limit, ok, retry }) => {
    const d = rateDecision(times, now, limit);
    expect(d.ok).toBe(ok);
    if (!d.ok && retry !== undefined) expect(d.retryInMs).toBe(retry);
  });
});

describe('final edits behind the edit budget', () => {
  /** `count` people each ask for their own line at once; line i finishes after i % 5 pending polls. */
  function burst(w: World, count: number): number[] {
    const lines = Array.from({ length: count }, (_, i) => 2001 + i);
    lines.forEach((line, i) => {
      w.api.scripts.set(line, [...Array.from({ length: i % 5 }, () => pending()), final(i % 2 ? 'no_internet' : 'stable')]);
      void w.engine.request({ text: String(line), person: { id: `U${line}`, name: `tech${line}`, locale: 'en' }, place: channel, answer: w.answer });
    });
    return lines;
  }
  /** The final edits each message got: edits whose view carries a verdict. */
  const finalEdits = (port: MemoryPort) => port.edits.filter((e) => e.message.view.verdict != null);

  it('300 verdicts at 45 edits a minute: every requester hears at once, 20 conversations wait in memory and the rest in the store, and every message reaches its verdict once, in the order the verdicts came', async () => {
    const w = world({ editsPerMin: 45, finalsInMemory: 20 });
    burst(w, 300);
    let mostQueued = 0;
    const watch = async (done: () => boolean | Promise<boolean>) =>
      w.clock.until(async () => {
        mostQueued = Math.max(mostQueued, w.port.editBudget.waiting);
        return done();
      }, 30 * 60_000, 500);

    await watch(() => w.port.replies.length === 300);
    // Every notification is out while most final edits still wait for the budget.
    expect(finalEdits(w.port).length).toBeLessThan(60);
    const rows = await w.store.since(0, 1000);
    expect(rows.filter((r) => r.final !== null)).toHaveLength(300);
    const inStore = (await w.store.awaitingFinals('memory', null, 1000)).length;
    expect(inStore).toBeGreaterThan(200);
    // What /metrics tells: the store holds every waiting final but those in memory.
    expect(w.engine.finalEdits.inMemory).toBeLessThanOrEqual(20);
    expect(w.engine.finalEdits.inStore).toBe(inStore - w.engine.finalEdits.inMemory);

    await watch(() => w.port.posts.every((p) => w.port.lastEdit(p.id)?.verdict != null));
    // Two finals (status and root card) per conversation in memory, never more: not one per verdict.
    expect(mostQueued).toBeLessThanOrEqual(40);
    expect(mostQueued).toBeGreaterThan(10);
    const edits = finalEdits(w.port);
    expect(edits).toHaveLength(600);
    expect(new Set(edits.map((e) => e.id)).size).toBe(600);
    // The status messages got their finals in the order the verdicts were reached.
    const finishedAt = new Map((await w.store.since(0, 1000)).map((r) => [r.messages.status, r.finishedAt ?? 0]));
    const order = edits.filter((e) => finishedAt.has(e.id)).map((e) => finishedAt.get(e.id) ?? 0);
    expect(order).toHaveLength(300);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect((await w.store.since(0, 1000)).every((r) => r.delivered)).toBe(true);
    expect(w.port.replies).toHaveLength(300);
    expect(w.engine.finalEdits).toEqual({ inMemory: 0, inStore: 0 });
    // Nothing older comes after: a progress view left from before the verdict never lands on a final.
    const editsBefore = w.port.edits.length;
    await w.clock.advance(5 * 60_000);
    expect(w.port.edits.slice(editsBefore).map((e) => e.message.view.status)).toEqual([]);
  });

  it('a store slow to write "delivered" (a server database): a read of the waiting finals meanwhile does not send a check\'s final edits twice', async () => {
    const clock = new ManualClock();
    const sqlite = testDatabase(':memory:', { logger: silentLogger }).checks;
    // Every write of "delivered" takes 300 ms of virtual time to commit, as PostgreSQL's may.
    const store: CheckStore = Object.assign(Object.create(sqlite) as CheckStore, {
      update: async (...args: Parameters<CheckStore['update']>) => {
        if (args[1].delivered) await clock.sleep(300);
        return sqlite.update(...args);
      },
    });
    const w = world({ clock, store, editsPerMin: 45, finalsInMemory: 8 });
    burst(w, 60);
    await clock.until(async () => {
      const rows = await sqlite.since(0, 1000);
      return rows.length === 60 && rows.every((r) => r.delivered);
    }, 30 * 60_000, 500);
    const edits = finalEdits(w.port);
    expect(new Set(edits.map((e) => e.id)).size).toBe(120);
    expect(edits).toHaveLength(120);
  });

  it('final edits waiting in the store when the process stops go out after the restart, without a second notification', async () => {
    const clock = new ManualClock();
    const store = testDatabase(':memory:', { logger: silentLogger }).checks;
    const before = world({ clock, store, editsPerMin: 45, finalsInMemory: 10 });
    await ping(before, '2060');
    await clock.advance(2 * 3_600_000);
    burst(before, 60);
    await clock.until(() => before.port.replies.length === 61, 120_000, 500);
    const stopped = before.engine.stop(0);
    await clock.advance(1);
    await stopped;
    await before.service.close();
    const waiting = await store.awaitingFinals('memory', null, 1000);
    expect(waiting.length).toBeGreaterThan(40);

    const after = world({ clock, store, editsPerMin: 45 });
    const resumed = after.engine.resume();
    await clock.until(async () => (await store.since(0, 1000)).every((r) => r.delivered), 10 * 60_000, 500);
    await resumed;
    for (const row of waiting) {
      expect(after.port.lastEdit(row.messages.status ?? '')?.verdict).toBe(row.verdict);
      expect(after.port.lastEdit(row.messages.root ?? '')?.verdict).toBe(row.verdict);
    }
    expect(after.port.replies).toEqual([]);
    expect(after.port.posts).toEqual([]);
    // The card keeps the line it had while running: the verdict before this check, not its own.
    const last = waiting.find((r) => r.serviceId === 2060);
    expect(after.port.lastEdit(last?.messages.root ?? '')?.fields).toContainEqual({ label: 'Last check', value: '2 h ago: stable' });
  });
});
