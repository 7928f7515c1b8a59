import { describe, expect, it } from 'vitest';
import { createNocCommands, parseNocCommand } from '../../src/noc/commands.js';
import { testDatabase } from '../support/store.js';
import { createLogger } from '../../src/util/logger.js';
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
    ['watch add router:12 every 2m', { kind: 'watch_add', target: { kind: 'router', ref: 12 }, intervalMs: 2 * MIN, channel: null }],
    ['watch add zone:3 every 5m <#C0NOC|noc-alerts>', { kind: 'watch_add', target: { kind: 'zone', ref: 3 }, intervalMs: 5 * MIN, channel: 'C0NOC' }],
    ['watch add all <#C0NOC|>', { kind: 'watch_add', target: { kind: 'all', ref: null }, intervalMs: null, channel: 'C0NOC' }],
    ['watch add <#1100000000000000004> client:1006', { kind: 'watch_add', target: { kind: 'client', ref: 1006 }, intervalMs: null, channel: '1100000000000000004' }],
    ['watch remove router:12', { kind: 'watch_remove', target: { kind: 'router', ref: 12 } }],
    ['silence router:12 2h fibre work on the ring', { kind: 'silence', scope: 'router:12', durationMs: 2 * 3_600_000, reason: 'fibre work on the ring' }],
    ['silence all 30m', { kind: 'silence', scope: 'all', durationMs: 30 * MIN, reason: null }],
  ])('%j', (text, expected) => {
    expect(parseNocCommand(text)).toEqual(expected);
  });

  it.each([
    ['status now', /status takes no arguments/],
    ['watch add', /watch add needs a target/],
    ['watch add sector:9', /watch add needs a target/],
    ['watch add 1001 every soon', /every takes a duration/],
    ['watch add 1001 #noc', /as a #mention/],
    ['watch add 1001 <#C1> <#C2>', /at most one channel/],
    ['watch remove <#C1> 1001', /watch remove needs a target/],
    ['watch list everything', /watch list takes no arguments/],
    ['watch', /watch takes add, remove, list or silence/],
    ['silence router:12', /silence needs a scope .* and a duration/],
    ['reboot router:12', /unknown \/noc command "reboot"/],
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
  const directory = {
    resolve: async () => ({ kind: 'not_found' as const, target: { kind: 'name' as const, query: '' } }),
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
    expect(await noc.handle('watch add router:12 every 2m', TECH, 'slack')).toBe(
      'Changing what the NOC watches is for admins (PINGOPS_ADMINS); ask an admin: /noc watch add router:12 every 2m',
    );
    expect(await noc.handle('silence all 1h', TECH, 'slack')).toMatch(/^Changing what the NOC watches is for admins/);
    expect(await store.listWatches()).toEqual([]);
    expect(await noc.handle('watch add router:12 every 2m <#C0NOC|noc>', ADMIN, 'slack')).toBe(
      'Watching router:12 every 2 min, alerts in channel C0NOC (the watcher picks it up within one interval).',
    );
    expect(await store.listWatches()).toMatchObject([{ kind: 'router', ref: 12, intervalMs: 2 * MIN, channel: 'C0NOC' }]);
    // A platform admin (Slack workspace admin, Discord Administrator) counts too.
    expect(await noc.handle('watch add 1001', { ...TECH, isAdmin: true }, 'discord')).toMatch(/^Watching client:1001 every 5 min \(/);
    expect(await noc.handle('silence router:12 2h fibre work', ADMIN, 'slack')).toBe(
      'Silenced router:12 for 2 h (until ' + new Date(Date.UTC(2026, 11, 2, 17)).toTimeString().slice(0, 8) + '): no new alerts; tracking goes on, and an incident alerted before still gets its recovery.',
    );
    expect(await noc.handle('watch remove router:12', TECH, 'slack')).toMatch(/ask an admin: \/noc watch remove router:12$/);
    expect(await noc.handle('watch remove router:12', ADMIN, 'slack')).toBe('No longer watching router:12.');
    expect(await noc.handle('watch remove router:12', ADMIN, 'slack')).toBe('router:12 was not watched.');
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
