import { describe, expect, it } from 'vitest';
import { createNocCommands, parseNocCommand } from '../../src/chat/noc-commands.js';
import { testDatabase } from '../support/store.js';
import { createLogger } from '../../src/util/logger.js';
import type { Directory } from '../../src/directory/types.js';
import { bareClient } from '../support/clients.js';
import { ManualClock } from '../support/manual-clock.js';

const logger = createLogger('silent');
const MIN = 60_000;

describe('parseNocCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['  STATUS ', { kind: 'status' }],
    ['watch list', { kind: 'watch_list' }],
    ['watch add 1001', { kind: 'watch_add', target: { kind: 'client', ref: 1001 }, intervalMs: null, channel: null }],
    ['watch add "Ana Morales" every 5m', { kind: 'watch_add', target: { kind: 'name', query: 'Ana Morales' }, intervalMs: 5 * MIN, channel: null }],
    ['watch add router:12 every 2m', { kind: 'watch_add', target: { kind: 'router', ref: 12 }, intervalMs: 2 * MIN, channel: null }],
    ['watch add zone:3 every 5m <#C0NOC|noc-alerts>', { kind: 'watch_add', target: { kind: 'zone', ref: 3 }, intervalMs: 5 * MIN, channel: 'C0NOC' }],
    ['watch add all <#C0NOC|>', { kind: 'watch_add', target: { kind: 'all', ref: null }, intervalMs: null, channel: 'C0NOC' }],
    ['watch add <#1100000000000000004> client:1006', { kind: 'watch_add', target: { kind: 'client', ref: 1006 }, intervalMs: null, channel: '1100000000000000004' }],
    ['watch remove router:12', { kind: 'watch_remove', target: { kind: 'router', ref: 12 } }],
    ['silence router:12 2h fibre work on the ring', { kind: 'silence', scope: 'router:12', durationMs: 2 * 3_600_000, reason: 'fibre work on the ring' }],
    ['silence all 30m', { kind: 'silence', scope: 'all', durationMs: 30 * MIN, reason: null }],
    ['silence zone:4 30d', { kind: 'silence', scope: 'zone:4', durationMs: 30 * 24 * 60 * MIN, reason: null }],
    ['unsilence router:12', { kind: 'unsilence', scope: 'router:12' }],
    ['UNSILENCE all', { kind: 'unsilence', scope: 'all' }],
  ])('%j', (text, expected) => {
    expect(parseNocCommand(text)).toEqual(expected);
  });

  it.each([
    ['status now', /status takes no arguments/],
    ['watch add', /watch add needs a target/],
    ['watch add sector:9', /watch add needs a target/],
    ['watch add 1001 2002', /watch add needs a target/],
    ['watch add 1001 every soon', /every takes a duration/],
    ['watch add 1001 #noc', /as a #mention/],
    ['watch add 1001 <#C1> <#C2>', /at most one channel/],
    ['watch remove <#C1> 1001', /watch remove needs a target/],
    ['watch list everything', /watch list takes no arguments/],
    ['watch', /watch takes add, remove, list, silence or unsilence/],
    ['silence router:12', /silence needs a scope .* and a duration/],
    ['reboot router:12', /unknown \/noc command "reboot"/],
    ['silence router:1 999999999999d', /a silence lasts at most 30 d/],
    ['silence router:1 31d', /a silence lasts at most 30 d/],
    ['watch add zone:4 every 2d', /every is at most 24 h/],
    ['unsilence', /unsilence needs a scope/],
    ['unsilence router:1 now', /unsilence needs a scope/],
  ])('%j is refused with a reason', (text, reason) => {
    const r = parseNocCommand(text);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.message).toMatch(reason);
    expect(r.kind === 'invalid' && r.message).toMatch(/Try \/noc help\.$/);
  });
});

function rig(opts: { admins?: string[] } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 15));
  const db = testDatabase(':memory:', { logger: logger });
  const store = db.noc;
  const inventory = {
    list: async () => [
      bareClient(1001, 'Ana Morales', { zoneId: 4, zoneName: 'Zona 4', router: { id: 41, name: 'RB-4.1', generalFault: null } }),
      bareClient(1002, 'Bruno Díaz', { zoneId: 4, zoneName: 'Zona 4', router: { id: 42, name: 'RB-4.2', generalFault: null } }),
    ],
  };
  const clients = [bareClient(1001, 'Ana Morales'), bareClient(1002, 'Bruno Díaz'), bareClient(1003, 'Ana Ruiz')];
  const directory: Directory = {
    resolve: async (t) => {
      const hits = t.kind === 'service_id' ? clients.filter((c) => c.serviceId === t.serviceId) : t.kind === 'name' ? clients.filter((c) => c.name.toLowerCase().includes(t.query.toLowerCase())) : [];
      if (hits.length === 1 && hits[0]) return { kind: 'found', client: hits[0] };
      return hits.length > 1 ? { kind: 'ambiguous', matches: hits } : { kind: 'not_found', target: t };
    },
    client: async () => null,
    suggest: async (q: string) => (/ana/i.test(q) ? [bareClient(1001, 'Ana Morales')] : []),
  };
  const noc = createNocCommands({ store, watcher: null, inventory, directory, admins: opts.admins ?? ['UADMIN'], defaultIntervalMs: 5 * MIN, clock, logger });
  return { clock, store, noc, db };
}

const ADMIN = { id: 'UADMIN', name: 'Admin' };
const TECH = { id: 'UTECH', name: 'Tech' };

describe('the /noc command handler (real SQLite store)', () => {
  it('lets PINGOPS_ADMINS change the watch list and silences, and tells the rest to ask an admin (nothing changes)', async () => {
    const { noc, store } = rig();
    expect(await noc.handle('watch add router:41 every 2m', TECH, 'slack')).toBe(
      'Changing what the NOC watches is for admins (PINGOPS_ADMINS); ask an admin: /noc watch add router:41 every 2m',
    );
    expect(await noc.handle('silence all 1h', TECH, 'slack')).toMatch(/^Changing what the NOC watches is for admins/);
    expect(await store.listWatches()).toEqual([]);
    expect(await noc.handle('watch add router:41 every 2m <#C0NOC|noc>', ADMIN, 'slack')).toBe(
      'Watching router:41 every 2 min, alerts in channel C0NOC (the watcher picks it up within one interval).',
    );
    expect(await store.listWatches()).toMatchObject([{ kind: 'router', ref: 41, intervalMs: 2 * MIN, channel: 'C0NOC' }]);
    // A platform admin (Slack workspace admin, Discord Administrator) counts too.
    expect(await noc.handle('watch add 1001', { ...TECH, isAdmin: true }, 'discord')).toMatch(/^Watching client 1001 Ana Morales every 5 min \(/);
    expect(await noc.handle('silence router:41 2h fibre work', ADMIN, 'slack')).toBe(
      'Silenced router:41 for 2 h (until ' + new Date(Date.UTC(2026, 11, 2, 17)).toTimeString().slice(0, 8) + '): no new alerts; tracking goes on, and an incident alerted before still gets its recovery. Lift it with /noc unsilence router:41.',
    );
    expect(await noc.handle('watch remove router:41', TECH, 'slack')).toMatch(/ask an admin: \/noc watch remove router:41$/);
    expect(await noc.handle('watch remove router:41', ADMIN, 'slack')).toBe('No longer watching router:41.');
    expect(await noc.handle('watch remove router:41', ADMIN, 'slack')).toBe('router:41 was not watched.');
  });

  it('lets everyone read: watch list, status and help', async () => {
    const { noc, store, clock } = rig();
    expect(await noc.handle('watch list', TECH, 'slack')).toMatch(/^Watching nothing\. Add with: \/noc watch add/);
    await store.addWatch({ kind: 'zone', ref: 4, intervalMs: 5 * MIN, channel: 'C0NOC' }, clock.now());
    await store.addSilence({ scope: 'router:41', until: clock.now() + 3_600_000, reason: 'maintenance', createdAt: clock.now() });
    expect(await noc.handle('watch list', TECH, 'slack')).toMatch(/^Watching:\n {2}zone:4 every 5 min · alerts in channel C0NOC\nSilenced: router:41 until \S+ \(maintenance\)$/);
    expect(await noc.handle('status', TECH, 'slack')).toBe('The NOC watcher has not run on this store yet.');
    await store.setMeta('status', {
      at: clock.now(), summary: '2 clients on 2 routers; sampling 1 per router; one round every 1 min at 50 req/min', stretched: [], round: 3, roundStartedAt: clock.now(), lastRoundMs: MIN,
      plannedRoundMs: MIN, budgetPerMin: 50, requestsLastMinute: 7, costPerCheck: 3.4, groups: [{ key: 'router:41', label: 'RB-4.1 (Zona 4)', clients: 1, candidates: 1, down: false }],
      single: [], watches: [], open: [], silences: [],
    });
    const status = await noc.handle('status', TECH, 'slack');
    expect(status).toMatch(/^Plan: 2 clients on 2 routers; sampling 1 per router/);
    expect(status).toContain('budget in use 7 of 50 req/min (14 %)');
    expect(status).toContain('zone:4 every 5 min');
    expect(status).toContain('No open incidents.');
    expect(status).toContain('Silenced: router:41');
    expect(await noc.handle('help', TECH, 'slack')).toContain('/noc silence <client:N|router:N|zone:N|all> <duration> [reason]');
    expect(await noc.handle('frobnicate', TECH, 'slack')).toBe('unknown /noc command "frobnicate". Try /noc help.');
  });

  it('answers a broken store with a clear sentence, and changes nothing', async () => {
    const { noc, db } = rig();
    db.close();
    expect(await noc.handle('watch add 1001', ADMIN, 'slack')).toBe('The NOC store could not be read or written just now; nothing changed. Try again in a moment.');
  });

  it('suggests all, clients from the directory, and routers and zones from the inventory', async () => {
    const { noc } = rig();
    expect((await noc.suggest('')).map((c) => c.value)).toEqual(['all', 'router:41', 'router:42', 'zone:4']);
    expect(await noc.suggest('ana')).toEqual([{ name: 'Ana Morales · 1001', value: '1001' }]);
    expect(await noc.suggest('router:4')).toEqual([
      { name: 'router:41 · RB-4.1 (Zona 4)', value: 'router:41' },
      { name: 'router:42 · RB-4.2 (Zona 4)', value: 'router:42' },
    ]);
    expect((await noc.suggest('zona')).map((c) => c.value)).toEqual(['router:41', 'router:42', 'zone:4']);
  });
});

describe('bounds and unsilence', () => {
  it('refuses a watch interval under the round minimum, with the reason', async () => {
    const { noc, store } = rig();
    expect(await noc.handle('watch add zone:4 every 1ms', ADMIN, 'slack')).toBe(
      'A watch interval is at least 1 min (the watcher\'s round minimum, NOC_ROUND_MIN); 0 s is shorter. Nothing changed.',
    );
    expect(await noc.handle('watch add zone:4 every 5s', ADMIN, 'slack')).toMatch(/^A watch interval is at least 1 min/);
    expect(await store.listWatches()).toEqual([]);
    expect(await noc.handle('watch add zone:4 every 1m', ADMIN, 'slack')).toMatch(/^Watching zone:4 every 1 min/);
  });

  it('shows a silence ending on another day with its date, and lifts a silence with unsilence', async () => {
    const { noc, store, clock } = rig();
    const until = clock.now() + 3 * 24 * 3_600_000;
    const day = new Date(until);
    const date = `${day.toLocaleDateString('en-GB', { weekday: 'short' })} ${day.getDate()} ${day.toLocaleDateString('en-GB', { month: 'short' })} ${String(day.getHours()).padStart(2, '0')}:${String(day.getMinutes()).padStart(2, '0')}`;
    expect(await noc.handle('silence router:41 3d fibre', ADMIN, 'slack')).toBe(
      `Silenced router:41 for 3 d (until ${date}): no new alerts; tracking goes on, and an incident alerted before still gets its recovery. Lift it with /noc unsilence router:41.`,
    );
    expect(await noc.handle('watch list', TECH, 'slack')).toContain(`Silenced: router:41 until ${date} (fibre)`);
    expect(await noc.handle('unsilence router:41', TECH, 'slack')).toMatch(/^Changing what the NOC watches is for admins/);
    expect(await noc.handle('unsilence router:41', ADMIN, 'slack')).toBe('Lifted the silence on router:41: new alerts go out again from the watcher\'s next round.');
    expect(await store.silences(clock.now())).toEqual([]);
    expect(await noc.handle('unsilence router:41', ADMIN, 'slack')).toBe('router:41 was not silenced.');
  });

  it('lists a silence stored before the bound (year 30000) without failing', async () => {
    const { noc, store, clock } = rig();
    await store.addSilence({ scope: 'router:1', until: clock.now() + 999_999_999_999 * 86_400_000, reason: null, createdAt: clock.now() });
    expect(await noc.handle('watch list', TECH, 'slack')).toContain('Silenced: router:1 until further notice (lift it with /noc unsilence router:1)');
  });
});

describe('watch add checks its target against the client list', () => {
  it.each([
    ['watch add router:99', 'No client in the client list is on router:99 (routers: 41, 42). Nothing changed.'],
    ['watch add 9999', 'No client 9999 in the client list. Nothing changed.'],
    ['watch add zone:3 every 5m', 'No client in the client list is on zone:3 (zones: 4). Nothing changed.'],
    ['watch add zone:3 every 5s', "A watch interval is at least 1 min (the watcher's round minimum, NOC_ROUND_MIN); 5 s is shorter. Nothing changed."],
    ['watch add Ana', '"Ana" matches 2 clients: 1001 Ana Morales, 1003 Ana Ruiz. Add one by its id. Nothing changed.'],
    ['watch add "Nadie Aquí"', 'No client named "Nadie Aquí" in the client list. Nothing changed.'],
  ])('%s is refused: %s', async (text, answer) => {
    const { noc, store } = rig();
    expect(await noc.handle(text, ADMIN, 'slack')).toBe(answer);
    expect(await store.listWatches()).toEqual([]);
  });

  it('resolves a name through the directory and says what it resolved to', async () => {
    const { noc, store } = rig();
    expect(await noc.handle('watch add "Ana Morales"', ADMIN, 'slack')).toBe('Watching client 1001 Ana Morales every 5 min (the watcher picks it up within one interval).');
    expect(await noc.handle('watch add router:42 every 2m', ADMIN, 'slack')).toMatch(/^Watching router:42 every 2 min/);
    expect(await store.listWatches()).toMatchObject([{ kind: 'client', ref: 1001 }, { kind: 'router', ref: 42 }]);
  });
});

