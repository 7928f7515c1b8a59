/**
 * What every store implementation must do, as one suite: `describeStoreContract(name, open)`
 * runs it on one implementation (sqlite.test.ts; a server database adds its own line). Every
 * test opens a store of its own through `open`, and closes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DoneState } from '../../src/core/check-state.js';
import { priorModel } from '../../src/core/duration-model.js';
import { budgetShape } from '../../src/core/request-budget.js';
import { createScheduleLearner, loadScheduleLearner } from '../../src/core/schedule-learner.js';
import type { Database, IncidentRecord, NewCheck } from '../../src/store/ports.js';
import { ANA_MORALES, bareClient } from '../support/clients.js';

/** One store under test. */
export interface StoreUnderTest {
  db: Database;
  /** Closes the store and opens the same one again, as a restart does. */
  reopen(): Promise<Database>;
  /** Runs SQL on the store from outside the process's connection (a row damaged by hand). */
  exec(sql: string): Promise<void>;
  /** Removes what the store left behind (files, a database). */
  cleanup(): Promise<void>;
}

export type OpenStore = () => Promise<StoreUnderTest>;

export const T0 = 1_760_000_000_000;

/** Two providers' identities, as pingapi/identity writes them. */
const A = 'middleware:https://ping.isp.example#0123456789abcdef';
const B = 'wisphub:https://api.wisphub.net#fedcba9876543210';

export const check = (id: string, over: Partial<NewCheck> = {}): NewCheck => ({
  id,
  serviceId: 1001,
  packets: 4,
  requester: 'U1',
  requesterName: 'ana',
  surface: 'slack',
  place: { channel: 'C1', thread: null },
  messages: {},
  locale: 'en',
  client: null,
  startedAt: T0,
  deadlineAt: T0 + 60_000,
  ...over,
});

export const done = (verdict: DoneState['verdict'], over: Partial<DoneState> = {}): DoneState => ({
  kind: 'done',
  serviceId: 1001,
  taskId: 'task-1',
  verdict,
  message: null,
  polls: 2,
  elapsedMs: 5000,
  reason: verdict === 'cancelled' ? { kind: 'cancelled', by: 'ana' } : { kind: 'verdict' },
  cached: false,
  lossPct: 0,
  rttMs: 12.5,
  ...over,
});

const incident = (id: number, state: IncidentRecord['state'] = 'open'): IncidentRecord & { label: string } => ({
  id,
  scope: `router:${id}`,
  state,
  openedAt: T0,
  resolvedAt: state === 'resolved' ? T0 + 1000 : null,
  label: `RB-${id}`,
});

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`the store (${name})`, () => {
    let opened: StoreUnderTest[] = [];
    const start = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened) await s.cleanup();
      opened = [];
    });

    describe('checks', () => {
      it('keeps a check from start to verdict, with loss and RTT, and survives reopening', async () => {
        const s = await start();
        const store = s.db.checks;
        await store.insert(check('a', { messages: { root: '1.1' } }), T0);
        await store.update('a', { taskId: 'task-1', state: 'created', messages: { root: '1.1', status: '1.2' } }, T0 + 100);
        expect((await store.unfinished('slack')).map((c) => c.id)).toEqual(['a']);
        await store.update('a', { final: done('stable') }, T0 + 5000);
        await store.update('a', { mention: 'sent', delivered: true }, T0 + 5100);

        const again = (await s.reopen()).checks;
        const a = await again.get('a');
        expect(a).toMatchObject({ taskId: 'task-1', state: 'done', verdict: 'stable', lossPct: 0, rttMs: 12.5, mention: 'sent', delivered: true, finishedAt: T0 + 5000 });
        expect(a?.messages).toEqual({ root: '1.1', status: '1.2' });
        expect(await again.unfinished('slack')).toEqual([]);
      });

      it('keeps a restarted clock (a check that never ran, resumed with its whole time) across reopening', async () => {
        const s = await start();
        await s.db.checks.insert(check('r', { startedAt: T0, deadlineAt: T0 + 20_000 }), T0);
        await s.db.checks.update('r', { clock: { startedAt: T0 + 60_000, deadlineAt: T0 + 80_000 } }, T0 + 60_000);
        expect(await (await s.reopen()).checks.get('r')).toMatchObject({ startedAt: T0 + 60_000, deadlineAt: T0 + 80_000, delivered: false });
      });

      it('applies the writes of one check in call order, even when nobody waits for each', async () => {
        const store = (await start()).db.checks;
        const writes = [
          store.insert(check('b'), T0),
          store.update('b', { taskId: 'task-9', state: 'created' }, T0 + 1),
          store.update('b', { state: 'polling' }, T0 + 2),
          store.update('b', { final: done('no_internet', { taskId: 'task-9' }) }, T0 + 3),
          store.update('b', { mention: 'sent', delivered: true }, T0 + 4),
        ];
        await Promise.all(writes);
        expect(await store.get('b')).toMatchObject({ state: 'done', verdict: 'no_internet', taskId: 'task-9', delivered: true, updatedAt: T0 + 4 });
      });

      it('answers history newest first and the last real verdict', async () => {
        const store = (await start()).db.checks;
        await store.insert(check('old', { startedAt: T0 }), T0);
        await store.update('old', { final: done('no_internet') }, T0 + 1000);
        await store.insert(check('new', { startedAt: T0 + 10_000 }), T0 + 10_000);
        await store.update('new', { final: done('cancelled') }, T0 + 11_000);
        await store.insert(check('other', { serviceId: 1002, startedAt: T0 + 5000 }), T0 + 5000);
        expect((await store.history(1001, 10)).map((c) => c.id)).toEqual(['new', 'old']);
        expect((await store.lastVerdict(1001))?.id).toBe('old'); // a cancelled check says nothing about the line
        // What a card's "Last check" line shows for a check that began at a given time.
        expect(await store.lastVerdict(1001, T0 + 1000)).toBeNull();
        expect((await store.lastVerdict(1001, T0 + 1001))?.id).toBe('old');
        expect((await store.since(T0 + 1, 100)).map((c) => c.id)).toEqual(['other', 'new']);
      });

      it('prunes delivered checks older than the retention, never open ones', async () => {
        const store = (await start()).db.checks;
        await store.insert(check('done-old'), T0);
        await store.update('done-old', { final: done('stable'), delivered: true }, T0);
        await store.insert(check('open-old'), T0);
        await store.insert(check('done-new', { startedAt: T0 + 1000 }), T0 + 1000);
        await store.update('done-new', { delivered: true }, T0 + 1000);
        expect(await store.prune(T0 + 1)).toBe(1);
        expect(await store.get('done-old')).toBeNull();
        expect(await store.get('open-old')).not.toBeNull();
      });

      it('keeps each check\'s owner and one heartbeat per replica; adoption is a compare-and-set, so one of two replicas wins', async () => {
        const store = (await start()).db.checks;
        await store.heartbeat({ id: 'r1', pid: 11, host: 'a' }, T0);
        await store.heartbeat({ id: 'r1', pid: 11, host: 'a' }, T0 + 5_000);
        await store.heartbeat({ id: 'r2', pid: 22, host: 'b' }, T0 + 1_000);
        expect((await store.replicas(T0 + 5_000)).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
          { id: 'r1', pid: 11, host: 'a', beatAt: T0 + 5_000 },
          { id: 'r2', pid: 22, host: 'b', beatAt: T0 + 1_000 },
        ]);
        await store.insert(check('owned', { owner: 'r1' }), T0);
        await store.insert(check('legacy'), T0);
        expect((await store.get('owned'))?.owner).toBe('r1');
        expect((await store.unfinished('slack')).map((c) => [c.id, c.owner])).toEqual([['owned', 'r1'], ['legacy', null]]);
        // A replica's adoption pass leaves out what it owns itself: nobody's and others' checks stay.
        expect((await store.unfinished('slack', 'r1')).map((c) => c.id)).toEqual(['legacy']);
        expect((await store.unfinished('slack', 'r2')).map((c) => c.id)).toEqual(['owned', 'legacy']);
        // r2 and r3 both saw r1 as the owner: the first claim wins, the second finds it changed.
        expect(await store.adopt('owned', 'r1', 'r2', T0 + 20_000)).toBe(true);
        expect(await store.adopt('owned', 'r1', 'r3', T0 + 20_000)).toBe(false);
        expect((await store.get('owned'))?.owner).toBe('r2');
        expect(await store.adopt('legacy', null, 'r3', T0 + 20_000)).toBe(true);
        // A delivered check is nobody's to adopt.
        await store.update('owned', { delivered: true }, T0 + 30_000);
        expect(await store.adopt('owned', 'r2', 'r3', T0 + 40_000)).toBe(false);
        // A replica that stopped says farewell: its row goes, the others' stay.
        await store.farewell('r1');
        expect((await store.replicas(T0 + 40_000)).map((r) => r.id)).toEqual(['r2']);
      });

      it('gives back the verdicts whose final edits wait: one owner\'s, one surface\'s, oldest verdict first, bounded, and read as the writes stand', async () => {
        const s = await start();
        const store = s.db.checks;
        const finished = async (id: string, at: number, over: Partial<NewCheck> = {}) => {
          await store.insert(check(id, { owner: 'r1', ...over }), T0);
          await store.update(id, { final: done('stable') }, at);
        };
        await finished('late', T0 + 3000);
        await finished('early', T0 + 1000);
        await finished('middle', T0 + 2000);
        await finished('elsewhere', T0 + 500, { owner: 'r2' });
        await finished('discord', T0 + 500, { surface: 'discord' });
        await finished('nobody', T0 + 500, { owner: null });
        await store.insert(check('running', { owner: 'r1' }), T0);
        // Written without waiting, as the engine does: a read right after must already see them.
        void store.update('early', { delivered: true }, T0 + 4000);
        const ids = async (owner: string | null, limit: number) => (await store.awaitingFinals('slack', owner, limit)).map((c) => c.id);
        expect(await ids('r1', 10)).toEqual(['middle', 'late']);
        expect(await ids('r1', 1)).toEqual(['middle']);
        expect(await ids(null, 10)).toEqual(['nobody']);
        expect((await store.awaitingFinals('slack', 'r1', 10))[0]?.final?.verdict).toBe('stable');
        expect((await (await s.reopen()).checks.awaitingFinals('slack', 'r1', 10)).map((c) => c.id)).toEqual(['middle', 'late']);
      });

      it('passes signals between replicas: per target, oldest first, bounded, deleted when done, dropped after an hour', async () => {
        const { signals } = (await start()).db;
        expect(await signals.send('r1:slack', 'cancel', { conversationId: 'a' }, T0, 2)).not.toBeNull();
        expect(await signals.send('leader', 'ack', { incidentId: 7 }, T0, 2)).not.toBeNull();
        expect(await signals.send('r1:slack', 'cancel', { conversationId: 'b' }, T0 + 1, 2)).not.toBeNull();
        expect(await signals.send('r1:slack', 'cancel', { conversationId: 'c' }, T0 + 2, 2)).toBeNull();
        const mine = await signals.take('r1:slack', 10);
        expect(mine.map((x) => [x.kind, x.body])).toEqual([['cancel', { conversationId: 'a' }], ['cancel', { conversationId: 'b' }]]);
        await signals.done([mine[0]?.id ?? 0], T0 + 3);
        expect((await signals.take('r1:slack', 10)).map((x) => x.body)).toEqual([{ conversationId: 'b' }]);
        expect((await signals.take('leader', 10)).map((x) => x.body)).toEqual([{ incidentId: 7 }]);
        // An hour later nobody took them: their target is gone.
        await signals.send('other', 'cancel', {}, T0 + 3_700_000, 2);
        expect(await signals.take('r1:slack', 10)).toEqual([]);
      });
    });

    describe('requests in hand', () => {
      it('holds a request per key for its replica, oldest first, gives another replica\'s back to a claimer once (compare-and-set), releases, and keeps them across a restart', async () => {
        const s = await start();
        const held = s.db.held;
        const body = { via: 'command', text: 'client-1001', user: 'U1', channel: 'C1', thread: null };
        await held.hold({ key: 'b', surface: 'slack', owner: 'r1', body: { ...body, text: 'client-1002' }, receivedAt: T0 + 1 });
        await held.hold({ key: 'a', surface: 'slack', owner: 'r1', body, receivedAt: T0 });
        await held.hold({ key: 'mine', surface: 'slack', owner: 'r2', body, receivedAt: T0 });
        await held.hold({ key: 'discord', surface: 'discord', owner: 'r1', body, receivedAt: T0 });
        // A second hold of a key changes nothing.
        await held.hold({ key: 'a', surface: 'slack', owner: 'r9', body: {}, receivedAt: T0 + 5 });
        const others = await held.heldByOthers('slack', 'r2', 10);
        expect(others).toEqual([
          { key: 'a', surface: 'slack', owner: 'r1', body, receivedAt: T0 },
          { key: 'b', surface: 'slack', owner: 'r1', body: { ...body, text: 'client-1002' }, receivedAt: T0 + 1 },
        ]);
        expect((await held.heldByOthers('slack', 'r2', 1)).map((r) => r.key)).toEqual(['a']);
        // r2 and r3 both saw r1 holding it: the first claim wins.
        expect(await held.adopt('a', 'r1', 'r2')).toBe(true);
        expect(await held.adopt('a', 'r1', 'r3')).toBe(false);
        expect((await held.heldByOthers('slack', 'r2', 10)).map((r) => r.key)).toEqual(['b']);
        await held.release('b');
        expect(await held.heldByOthers('slack', 'r2', 10)).toEqual([]);
        const again = (await s.reopen()).held;
        expect((await again.heldByOthers('slack', 'r1', 10)).map((r) => [r.key, r.owner])).toEqual([['a', 'r2'], ['mine', 'r2']]);
        expect((await again.heldByOthers('discord', 'r2', 10)).map((r) => r.key)).toEqual(['discord']);
      });
    });

    describe('duration models', () => {
      it('keep what the schedule learned across a restart', async () => {
        const s = await start();
        const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 };
        const learner = createScheduleLearner({ provider: 'https://api.isp', schedule: cfg, now: () => 1, port: s.db.durationModels });
        for (let i = 0; i < 50; i++) learner.observe({ packets: 4, router: 'r1' }, { kind: 'finished', afterMs: 8000, byMs: 8300 });
        await learner.flush();
        const planned = [1, 2, 3].map(learner.plan({ packets: 4 }));

        const db = await s.reopen();
        const rows = await db.durationModels.loadAll();
        expect(rows.map((r) => r.key).sort()).toEqual(['https://api.isp|4', 'https://api.isp|4|r1']);
        expect(rows[0]?.model).toMatchObject({ binMs: 100, observed: 50 });
        const again = await loadScheduleLearner({ provider: 'https://api.isp', schedule: cfg, now: () => 2, port: db.durationModels });
        expect([1, 2, 3].map(again.plan({ packets: 4 }))).toEqual(planned);
      });

      it('skips a row it cannot read instead of failing', async () => {
        const s = await start();
        await s.db.durationModels.save([{ key: 'p|4', model: priorModel(4, 1000, 60_000), updatedAt: 5 }]);
        await s.exec("INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at) VALUES ('p|5', 100, '[1, -2, \"x\"]', 3, 5)");
        expect((await s.db.durationModels.loadAll()).map((r) => r.key)).toEqual(['p|4']);
      });
    });

    describe('client cards', () => {
      it('gives back the card as stored, and nothing for another id or a damaged row', async () => {
        const s = await start();
        const cards = s.db.cards;
        const ana = { ...ANA_MORALES, paymentStatus: 'Suspendido' };
        await cards.put(A, [{ record: ana, fetchedAt: 1_000_000 }]);
        expect(await cards.get(A, 1001)).toEqual({ record: ana, fetchedAt: 1_000_000 });
        expect(await cards.get(A, 1002)).toBeNull();
        await s.exec("UPDATE provider_cards SET card = '{\"serviceId\":\"x\"}' WHERE service_id = 1001");
        expect(await cards.get(A, 1001)).toBeNull();
      });

      it('keeps each provider\'s card of a client apart', async () => {
        const cards = (await start()).db.cards;
        await cards.put(A, [{ record: bareClient(1001, 'Ana'), fetchedAt: 1_000_000 }]);
        expect(await cards.get(B, 1001)).toBeNull();
        await cards.put(B, [{ record: bareClient(1001, 'Beatriz'), fetchedAt: 1_000_001 }]);
        expect((await cards.get(A, 1001))?.record.name).toBe('Ana');
        expect((await cards.get(B, 1001))?.record.name).toBe('Beatriz');
      });

      it('drops cards older than it keeps as new ones arrive', async () => {
        const cards = (await start()).db.cards;
        await cards.put(A, [{ record: bareClient(1001, 'Ana'), fetchedAt: 1_000_000 }]);
        await cards.put(B, [{ record: bareClient(1002, 'Jorge'), fetchedAt: 1_400_000 }]);
        expect(await cards.get(A, 1001)).toBeNull();
        expect((await cards.get(B, 1002))?.record.serviceId).toBe(1002);
      });

      it('never answers from a card stored before cards had a provider', async () => {
        const s = await start();
        await s.exec(`INSERT INTO client_cards (service_id, card, fetched_at) VALUES (1001, '${JSON.stringify(bareClient(1001, 'Legacy'))}', 1000000)`);
        for (const p of [A, B, '', 'legacy']) expect(await s.db.cards.get(p, 1001)).toBeNull();
      });
    });

    describe('result cache', () => {
      it('answers a verdict of the same provider and packet count, younger than asked', async () => {
        const results = (await start()).db.results;
        await results.put(A, 4, done('no_internet'), T0);
        expect((await results.get(A, 1001, 4, 30_000, T0 + 20_000))?.verdict).toBe('no_internet');
        expect(await results.get(A, 1001, 8, 30_000, T0 + 20_000)).toBeNull();
        expect(await results.get(A, 1002, 4, 30_000, T0 + 20_000)).toBeNull();
        expect(await results.get(A, 1001, 4, 5_000, T0 + 20_000)).toBeNull();
      });

      it('never serves one provider\'s verdict to another (another API, or the same one with other credentials)', async () => {
        const results = (await start()).db.results;
        await results.put(A, 4, done('stable', { lossPct: null, rttMs: null }), T0);
        expect(await results.get(B, 1001, 4, 30_000, T0 + 1000)).toBeNull();
        await results.put(B, 4, done('intermittent', { lossPct: 25 }), T0 + 2000);
        expect((await results.get(A, 1001, 4, 30_000, T0 + 3000))?.verdict).toBe('stable');
        expect(await results.get(B, 1001, 4, 30_000, T0 + 3000)).toMatchObject({ verdict: 'intermittent', lossPct: 25 });
      });

      it('keeps the newest verdict: an older one written late does not replace it', async () => {
        const results = (await start()).db.results;
        await results.put(A, 4, done('stable', { taskId: 'new' }), T0 + 5000);
        await results.put(A, 4, done('no_internet', { taskId: 'old' }), T0 + 1000);
        expect(await results.get(A, 1001, 4, 30_000, T0 + 6000)).toMatchObject({ verdict: 'stable', taskId: 'new' });
        await results.put(A, 4, done('intermittent', { taskId: 'newer' }), T0 + 7000);
        expect(await results.get(A, 1001, 4, 30_000, T0 + 8000)).toMatchObject({ verdict: 'intermittent', taskId: 'newer' });
      });

      it('treats a damaged row as missing', async () => {
        const s = await start();
        await s.db.results.put(A, 4, done('stable'), T0);
        await s.exec("UPDATE result_cache SET final = '{\"kind\":\"done\",\"verdict\":\"maybe\"}'");
        expect(await s.db.results.get(A, 1001, 4, 30_000, T0 + 1)).toBeNull();
      });

      it('is not answered from the checks a conversation stored (they name no provider)', async () => {
        const s = await start();
        await s.db.checks.insert(check('legacy'), T0);
        await s.db.checks.update('legacy', { final: done('stable') }, T0 + 1000);
        expect(await s.db.results.get(A, 1001, 4, 30_000, T0 + 2000)).toBeNull();
      });
    });

    describe('NOC state and outbox', () => {
      it('keeps the watch list, one entry per target, and silences until they end', async () => {
        const noc = (await start()).db.noc;
        const a = await noc.addWatch({ kind: 'router', ref: 91, intervalMs: 60_000, channel: null }, T0);
        const b = await noc.addWatch({ kind: 'all', ref: null, intervalMs: 300_000, channel: 'C9' }, T0);
        const again = await noc.addWatch({ kind: 'router', ref: 91, intervalMs: 30_000, channel: 'C1' }, T0 + 1);
        expect(again).toMatchObject({ id: a.id, intervalMs: 30_000, channel: 'C1', createdAt: T0 });
        expect((await noc.listWatches()).map((w) => [w.kind, w.ref, w.intervalMs])).toEqual([
          ['router', 91, 30_000],
          ['all', null, 300_000],
        ]);
        expect(await noc.removeWatch('all', null)).toBe(true);
        expect(await noc.removeWatch('all', null)).toBe(false);
        expect((await noc.listWatches()).map((w) => w.id)).toEqual([a.id]);
        expect(b.id).not.toBe(a.id);

        await noc.addSilence({ scope: 'router:91', until: T0 + 60_000, reason: 'works', createdAt: T0 });
        expect(await noc.silences(T0 + 1)).toEqual([{ scope: 'router:91', until: T0 + 60_000, reason: 'works', createdAt: T0 }]);
        expect(await noc.silences(T0 + 60_000)).toEqual([]);
        await noc.addSilence({ scope: 'router:92', until: T0 + 60_000, reason: null, createdAt: T0 });
        await noc.addSilence({ scope: 'all', until: T0 + 60_000, reason: null, createdAt: T0 });
        expect(await noc.removeSilences('router:92', T0 + 1)).toBe(1);
        expect((await noc.silences(T0 + 1)).map((x) => x.scope)).toEqual(['all']);
      });

      it('commits trackers, incidents and events together, and gives the outbox back in order until sent', async () => {
        const s = await start();
        const noc = s.db.noc;
        const opened = incident(3);
        const ids = await noc.commit(
          { tracks: new Map([['router:3', { down: 2 }]]), incidents: [opened, incident(2, 'resolved')], events: [{ kind: 'opened', incident: opened }, { kind: 'budget_warning' }] },
          T0,
        );
        expect(ids).toHaveLength(2);
        const snap = await (await s.reopen()).noc.loadEngine();
        expect(snap.tracks.get('router:3')).toEqual({ down: 2 });
        expect(snap.incidents).toEqual([opened]);
        expect(snap.nextIncidentId).toBe(4);

        const reopened = s.db.noc;
        expect((await reopened.incidents({ openOnly: false, limit: 10 })).map((i) => i.id)).toEqual([3, 2]);
        const pending = await reopened.pendingOutbox(10);
        expect(pending.map((p) => [p.id, p.event.kind, p.attempts])).toEqual([
          [ids[0], 'opened', 0],
          [ids[1], 'budget_warning', 0],
        ]);
        await reopened.markFailed(ids[0] ?? 0, 'chat down');
        await reopened.markSent(ids[1] ?? 0, T0 + 1);
        expect((await reopened.pendingOutbox(10)).map((p) => [p.id, p.attempts])).toEqual([[ids[0], 1]]);
        expect((await reopened.eventsAfter(0, 10)).map((e) => e.id)).toEqual(ids);
      });

      it('keeps a small JSON note for `pingops noc status`', async () => {
        const noc = (await start()).db.noc;
        await noc.setMeta('status', { round: 3 });
        expect(await noc.getMeta('status')).toEqual({ round: 3 });
        expect(await noc.getMeta('missing')).toBeNull();
      });
    });

    describe('leases', () => {
      it.each(['noc', 'discord-gateway'] as const)('gives the %s lease to one holder at a time, and to another once it is stale or released', async (name) => {
        const leases = (await start()).db.leases;
        const a = { id: 'a', pid: 1, host: 'h' };
        const b = { id: 'b', pid: 2, host: 'h' };
        expect(await leases.holder(name, T0)).toBeNull();
        expect(await leases.claim(name, a, T0, 30_000, () => false)).toEqual({ ok: true });
        expect(await leases.holder(name, T0 + 1)).toEqual(a);
        expect(await leases.claim(name, b, T0 + 1, 30_000, () => false)).toEqual({ ok: false, holder: a });
        expect(await leases.claim(name, b, T0 + 1, 30_000, (h) => h.id === 'a')).toEqual({ ok: true });
        await leases.release(name, a);
        expect(await leases.claim(name, a, T0 + 2, 30_000, () => false)).toEqual({ ok: false, holder: b });
        await leases.release(name, b);
        expect(await leases.holder(name, T0 + 3)).toBeNull();
        expect(await leases.claim(name, a, T0 + 3, 30_000, () => false)).toEqual({ ok: true });
        // Run out: nobody holds it, and anyone may claim it.
        expect(await leases.holder(name, T0 + 3 + 30_000)).toBeNull();
        expect(await leases.claim(name, b, T0 + 3 + 30_000, 30_000, () => false)).toEqual({ ok: true });
      });

      it('keeps each name to itself: the NOC leader and the Discord gateway may sit on different replicas', async () => {
        const leases = (await start()).db.leases;
        const a = { id: 'a', pid: 1, host: 'h' };
        const b = { id: 'b', pid: 2, host: 'h' };
        expect(await leases.claim('noc', a, T0, 30_000, () => false)).toEqual({ ok: true });
        expect(await leases.claim('discord-gateway', b, T0, 30_000, () => false)).toEqual({ ok: true });
        expect(await leases.claim('discord-gateway', a, T0 + 1, 30_000, () => false)).toEqual({ ok: false, holder: b });
        await leases.release('discord-gateway', a);
        expect(await leases.holder('discord-gateway', T0 + 2)).toEqual(b);
        await leases.release('noc', a);
        expect(await leases.holder('noc', T0 + 2)).toBeNull();
        expect(await leases.holder('discord-gateway', T0 + 2)).toEqual(b);
      });
    });

    describe('NOC messages in chat', () => {
      it('keeps where an incident lives per surface, and what each outbox event posted', async () => {
        const s = await start();
        const m = s.db.nocMessages;
        await m.saveMessages(7, 'slack', { channel: 'C0NOC', rootId: null, threadId: null }, T0);
        await m.saveMessages(7, 'slack', { channel: 'C0NOC', rootId: '1.1', threadId: '1.1' }, T0 + 1);
        await m.recordPost(12, 'slack', 'reply', 'sending', null, T0);
        await m.recordPost(12, 'slack', 'reply', 'sent', '1.2', T0 + 1);
        await m.recordPost(13, 'slack', 'note', 'sending', null, T0);
        await m.clearPost(13, 'slack', 'note');
        const again = (await s.reopen()).nocMessages;
        expect(await again.messages(7, 'slack')).toEqual({ channel: 'C0NOC', rootId: '1.1', threadId: '1.1' });
        expect(await again.messages(7, 'discord')).toBeNull();
        expect(await again.post(12, 'slack', 'reply')).toEqual({ state: 'sent', messageId: '1.2' });
        expect(await again.post(13, 'slack', 'note')).toBeNull();
      });
    });

    describe('request budget', () => {
      const shape = budgetShape(100); // 10 tokens, 88 a minute, 5 kept for people

      it('keeps one bucket: full at first, drawn down, the reserve left by sweeps, refilled by time, across a restart', async () => {
        const s = await start();
        const b = s.db.budget;
        expect(await b.draw('ping-api', shape, { want: 3, keep: 0, now: T0 })).toEqual({ granted: 3, waitMs: 0 });
        expect(await b.draw('ping-api', shape, { want: 5, keep: shape.reserve, now: T0 })).toEqual({ granted: 2, waitMs: 0 });
        expect(await b.draw('ping-api', shape, { want: 1, keep: shape.reserve, now: T0 })).toEqual({ granted: 0, waitMs: 682 });
        // Another bucket is another row.
        expect((await b.draw('other', shape, { want: 5, keep: 0, now: T0 })).granted).toBe(5);
        const again = (await s.reopen()).budget;
        expect(await again.draw('ping-api', shape, { want: 9, keep: 0, now: T0 })).toEqual({ granted: 5, waitMs: 0 });
        expect(await again.draw('ping-api', shape, { want: 1, keep: 0, now: T0 + 1000 })).toEqual({ granted: 1, waitMs: 0 });
        expect(await again.draw('ping-api', shape, { want: 1, keep: 0, now: T0 + 1000 })).toEqual({ granted: 0, waitMs: 364 }); // 1.47 tokens came, 1 went
      });

      it('never spends the same credit twice: 25 draws at once from a new bucket of 10 get 10 tokens', async () => {
        const b = (await start()).db.budget;
        const draws = await Promise.all(Array.from({ length: 25 }, () => b.draw('ping-api', shape, { want: 1, keep: 0, now: T0 })));
        expect(draws.reduce((n, d) => n + d.granted, 0)).toBe(10);
      });
    });

    describe('flight claims (single-flight across replicas)', () => {
      const K = 'sim:v1/1001/4';
      it('one owner per key: the second claimer reads the first; the task id and its time recorded once; released; a lapsed claim taken over, its task cleared', async () => {
        const f = (await start()).db.flights;
        expect(await f.claim(K, 'r1', T0, 15_000)).toEqual({ key: K, owner: 'r1', taskId: null, startedAt: T0, until: T0 + 15_000 });
        expect(await f.claim(K, 'r2', T0 + 100, 15_000)).toMatchObject({ owner: 'r1', taskId: null });
        await f.renew(K, 'r1', 'task-7', T0 + 2000, 15_000);
        await f.renew(K, 'r1', null, T0 + 5000, 15_000);
        // Only the owner renews.
        await f.renew(K, 'r2', 'task-8', T0 + 5000, 15_000);
        expect(await f.claim(K, 'r2', T0 + 6000, 15_000)).toEqual({ key: K, owner: 'r1', taskId: 'task-7', startedAt: T0 + 2000, until: T0 + 20_000 });
        // r1 stopped renewing: after its claim lapsed, r2 takes it, with no task.
        expect(await f.claim(K, 'r2', T0 + 20_001, 15_000)).toEqual({ key: K, owner: 'r2', taskId: null, startedAt: T0 + 20_001, until: T0 + 35_001 });
        await f.release(K, 'r1'); // not r1's any more: nothing happens
        expect(await f.claim(K, 'r3', T0 + 21_000, 15_000)).toMatchObject({ owner: 'r2' });
        await f.release(K, 'r2');
        expect(await f.claim(K, 'r3', T0 + 21_000, 15_000)).toMatchObject({ owner: 'r3', taskId: null });
      });

      it('a resumed check adopts the claim of its own task from a dead owner, never another live task', async () => {
        const f = (await start()).db.flights;
        await f.claim(K, 'dead', T0, 15_000);
        await f.renew(K, 'dead', 'task-7', T0 + 1000, 15_000);
        expect(await f.adopt(K, 'r2', 'task-7', T0 + 2000, 15_000)).toMatchObject({ owner: 'r2', taskId: 'task-7', until: T0 + 17_000 });
        // A live claim on another task stays its owner's.
        expect(await f.adopt(K, 'r3', 'task-9', T0 + 3000, 15_000)).toMatchObject({ owner: 'r2', taskId: 'task-7' });
        // No claim at all: the resumed task's.
        expect(await f.adopt('k3', 'r3', 'task-9', T0 + 3000, 15_000)).toMatchObject({ owner: 'r3', taskId: 'task-9' });
      });

      it('two claimers at once: exactly one owns it', async () => {
        const f = (await start()).db.flights;
        const got = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => f.claim('k2', r, T0, 15_000)));
        expect(new Set(got.map((c) => c.owner)).size).toBe(1);
      });
    });

    describe('alert intake', () => {
      it('takes alerts up to its bound, keeps them until done, oldest first, across a restart', async () => {
        const s = await start();
        const q = s.db.intake;
        const ids = await q.add([{ target: '1001' }, { target: '1002' }], T0, 3);
        expect(ids).toHaveLength(2);
        expect(await q.add([{ target: '1003' }, { target: '1004' }], T0, 3)).toBeNull();
        await q.done([ids?.[0] ?? 0], T0 + 1);
        const again = (await s.reopen()).intake;
        expect(await again.pending(10)).toEqual([{ id: ids?.[1], alert: { target: '1002' } }]);
        expect(await again.add([{ target: '1003' }, { target: '1004' }], T0 + 2, 3)).toHaveLength(2);
      });
    });
  });
}
