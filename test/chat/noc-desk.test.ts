import { describe, expect, it } from 'vitest';
import { createAccess } from '../../src/chat/access.js';
import { createNocDesk } from '../../src/chat/noc-desk.js';
import { createNocChat } from '../../src/chat/noc-notifier.js';
import type { Person } from '../../src/chat/port.js';
import { createPingService } from '../../src/core/ping-service.js';
import type { Incident } from '../../src/noc/types.js';
import { testDatabase } from '../support/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { MemoryPingApi } from '../support/memory-ping-api.js';

const polling = { packets: 4, initialDelayMs: 0, intervalMs: 500, maxIntervalMs: 1000, packetMs: 100, timeoutMs: 20_000, resultCacheMs: 0 };
const tech: Person = { id: 'U7', name: 'tech', locale: 'en', workspace: { id: 'T1', home: 'T1' } };

async function desk(settings: { admins?: string[]; allowedChannels?: string[] } = {}) {
  const clock = new ManualClock();
  const db = testDatabase(':memory:', { logger: silentLogger });
  const store = db.noc;
  const incident: Incident = {
    id: 0, scope: 'router:7', group: 'router:7', label: 'RB-7', state: 'open', openedAt: clock.now(), ackedBy: null, ackedAt: null, resolvedAt: null,
    nextReminderAt: null, alerted: true, notes: [], members: [{ serviceId: 1001, name: 'Ana', verdict: 'no_internet', health: 'down', at: clock.now() }],
  };
  await store.commit({ tracks: new Map(), incidents: [incident], events: [] }, clock.now());
  const [stored] = await store.incidents({ openOnly: true, limit: 1 });
  const api = new MemoryPingApi();
  const checker = createPingService({ api, clock, logger: silentLogger, polling, queue: { take: async () => {}, admit: () => ({ ok: true }) }, random: () => 0.5 });
  const chat = createNocChat({ store: db.nocMessages, surfaces: ['slack'], channels: { slack: 'CNOC', discord: null }, watches: () => store.listWatches(), locale: 'en', clock, logger: silentLogger });
  const access = createAccess({ allowedChannels: settings.allowedChannels ?? [], admins: settings.admins ?? [], userRatePerMin: 6, adminRatePerMin: 30 });
  const link = createNocDesk({ watcher: null, store, chat, checker, access, nocChannels: ['CNOC'], locale: 'en', clock, logger: silentLogger });
  const answers: string[] = [];
  const press = async (person: Person, channel = 'CNOC') => {
    let over = false;
    const p = link.press({ action: 'check', incidentId: stored?.id ?? 0, person, channel, surface: 'slack', answer: async (t) => void answers.push(t) }).then(() => (over = true));
    await clock.until(() => over, 60_000, 100);
    await p;
  };
  return { api, answers, press, stop: () => (chat.stop(), void db.close()) };
}

describe('Check now passes the access rules', () => {
  it('counts against the clicker\'s per-person limit: 24 clicks in a row start 6 checks, the rest are told to slow down', async () => {
    const d = await desk();
    for (let i = 0; i < 24; i++) await d.press(tech);
    expect(d.api.createCalls).toHaveLength(6);
    expect(d.answers.filter((a) => a.startsWith('Slow down'))).toHaveLength(18);
    d.stop();
  });

  it('refuses a click from another workspace or from a channel the rules do not allow (the NOC channel is allowed)', async () => {
    const d = await desk({ allowedChannels: ['C1'] });
    await d.press({ ...tech, workspace: { id: 'T9', home: 'T1' } });
    await d.press(tech, 'CELSEWHERE');
    expect(d.api.createCalls).toEqual([]);
    expect(d.answers).toEqual([
      'pingops does not answer in this workspace or server: it serves only the one it is set up for.',
      'pingops does not answer here. Use it in: C1, CNOC.',
    ]);
    await d.press(tech, 'CNOC');
    expect(d.api.createCalls).toHaveLength(1);
    d.stop();
  });
});
