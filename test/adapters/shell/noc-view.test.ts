import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNocView } from '../../../src/adapters/shell/noc-view.js';
import type { WatcherStatus } from '../../../src/noc/watcher.js';

const status = (label: string): WatcherStatus => ({
  at: 0, summary: '20 clients on 1 router; sampling 1 per router; one round every 1 min at 50 req/min (budget 50)', stretched: [], round: 3,
  roundStartedAt: 0, lastRoundMs: 60_000, plannedRoundMs: 60_000, budgetPerMin: 50, requestsLastMinute: 40, costPerCheck: 3.4,
  groups: [{ key: 'router:9', label, clients: 20, candidates: 19, down: true }], single: [], watches: [], open: [], silences: [],
});

function capture(interactive: boolean) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { view: createNocView(out, interactive, () => 0), text: () => text };
}

describe('the NOC terminal view', () => {
  it('piped: one line per event, the plan when it changes, control characters from names stripped', () => {
    const c = capture(false);
    c.view.status(status('RB-9\x1b[31m evil\x07'));
    c.view.status({ ...status('RB-9'), requestsLastMinute: 10, summary: status('x').summary.replace('50 req/min (budget', '45 req/min (budget') });
    c.view.event('10:00:00 DOWN #1 RB-9 \x1b]0;pwned\x07(Zona 9): 6 of 6 checked down');
    c.view.close();
    const lines = c.text().split('\n');
    expect(lines[0]).toBe('plan: 20 clients on 1 router; sampling 1 per router; one round every 1 min at 50 req/min (budget 50)');
    expect(lines[1]).toBe('10:00:00 DOWN #1 RB-9 (Zona 9): 6 of 6 checked down');
    expect(c.text()).toContain('DOWN  router:9   RB-9 · 20 clients, 19 may be sampled');
    expect(c.text()).not.toMatch(/\x1b|\x07/);
  });

  it('at a terminal: redraws the whole screen with the status and the newest events, still stripped', () => {
    const c = capture(true);
    c.view.status(status('RB-9\x1b[2J'));
    c.view.event('10:00:00 BACK #1 RB-9 after 37 min');
    c.view.close();
    const screens = c.text().split('\x1b[H\x1b[2J').filter(Boolean);
    expect(screens.length).toBeGreaterThanOrEqual(1);
    const last = screens.at(-1) ?? '';
    expect(last).toContain('Round 3, last took 1 min; budget in use 40 of 50 req/min (80 %), 3.4 requests per check');
    expect(last).toContain('Events:\n  10:00:00 BACK #1 RB-9 after 37 min');
    expect(last).not.toMatch(/\x1b/);
  });

  it('at a 50-line terminal with everything watched: the header stays, long lists are capped and say how many more', () => {
    const out = Object.assign(new PassThrough(), { columns: 100, rows: 50 });
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString('utf8')));
    const view = createNocView(out, true, () => 0);
    const many: WatcherStatus = {
      ...status('RB-1'),
      groups: Array.from({ length: 120 }, (_, n) => ({ key: `router:${n + 1}` as const, label: `RB-${n + 1}`, clients: 20, candidates: 19, down: n === 7 })),
      single: Array.from({ length: 30 }, (_, n) => ({ serviceId: 2000 + n, name: `Client ${n}`, status: 'up' as const })),
      watches: [{ id: 1, kind: 'all', ref: null, intervalMs: 300_000, channel: null, createdAt: 0 }],
    };
    view.status(many);
    for (let n = 0; n < 20; n++) view.event(`10:00:${String(n).padStart(2, '0')} UPDATE #${n} RB-${n}: 1 of 6 checked down`);
    view.close();
    const last = text.split('\x1b[H\x1b[2J').filter(Boolean).at(-1) ?? '';
    const lines = last.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(49);
    expect(lines[0]).toMatch(/^pingops noc · /);
    expect(last).toContain('Plan: 20 clients on 1 router');
    expect(last).toMatch(/… and \d+ more groups/);
    expect(last).toContain('10:00:19 UPDATE #19');
  });

  it('wraps a long event line at the terminal width instead of cutting it', () => {
    const out = Object.assign(new PassThrough(), { columns: 80, rows: 50 });
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString('utf8')));
    const view = createNocView(out, true, () => 0);
    view.status(status('RB-9'));
    const long = 'demo: router 91 (RB-9.1) loses its uplink at 0:20 for a minute, client 1006 flaps from 0:10, client 1003 is suspended (stays quiet); ends after 2 min';
    view.event(long);
    view.close();
    const last = text.split('\x1b[H\x1b[2J').filter(Boolean).at(-1) ?? '';
    const lines = last.split('\n');
    expect(lines.every((l) => l.length <= 79)).toBe(true);
    const eventsPart = last.slice(last.indexOf('Events:'));
    expect(eventsPart).not.toContain('…');
    expect(eventsPart.replace(/\n\s+/g, ' ')).toContain(long);
  });
});
