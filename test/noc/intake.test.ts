import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_ALERTS_PER_PAYLOAD, parseAlertmanager, parseCheckHook, parseUptimeKuma, type IntakeResult } from '../../src/noc/intake.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

const targets = (r: IntakeResult) => (r.ok ? r.alerts.map((a) => `${a.status}:${a.target}`) : r.error);

describe('parseAlertmanager', () => {
  it('reads every firing alert of a group with its client, fingerprint and summary', () => {
    const r = parseAlertmanager(fixture('hook-alertmanager-firing'), 'service_id');
    expect(r).toMatchObject({ ok: true, skipped: [], note: null });
    if (!r.ok) return;
    expect(r.alerts).toEqual([
      { source: 'alertmanager', status: 'firing', target: '1001', key: '6c1bd2e7a4f09d31', title: 'ClientLinkDown', reason: 'CPE 10.20.3.42 does not answer ICMP', channel: null },
      { source: 'alertmanager', status: 'firing', target: '1017', key: '0b9e51c2d7aa4f60', title: 'ClientLinkDown', reason: 'CPE 10.20.3.57 does not answer ICMP', channel: null },
    ]);
  });

  it('reads a resolved alert', () => {
    expect(targets(parseAlertmanager(fixture('hook-alertmanager-resolved'), 'service_id'))).toEqual(['resolved:1001']);
  });

  const firing = fixture('hook-alertmanager-firing');
  const alerts = firing.alerts as Record<string, unknown>[];
  it.each([
    ['another client label', 'instance', ['firing:10.20.3.42', 'firing:10.20.3.57']],
    ['a label no alert has', 'client', 'no alert names a client (expected a "client" label)'],
  ])('client from %s', (_, label, expected) => {
    expect(targets(parseAlertmanager(firing, label))).toEqual(expected);
  });

  it('skips alerts without the label, keeping the others, and folds duplicates of one client', () => {
    const body = { ...firing, alerts: [{ ...alerts[0], labels: { alertname: 'X' } }, alerts[1], { ...alerts[1], fingerprint: 'other-rule' }] };
    const r = parseAlertmanager(body, 'service_id');
    expect(targets(r)).toEqual(['firing:1017']);
    expect(r.ok && r.skipped).toEqual([{ title: 'X', why: 'no "service_id" label' }]);
  });

  it.each([
    ['a body that is not an object', 'nope', /not an Alertmanager webhook payload/],
    ['no alerts list', { version: '4', status: 'firing' }, /alerts/],
    ['an alert with an unknown status', { alerts: [{ ...alerts[0], status: 'exploded' }] }, /alerts\.0\.status/],
    ['another payload version', { ...firing, version: '3' }, /version 3 is not supported/],
  ])('refuses %s', (_, body, error) => {
    const r = parseAlertmanager(body, 'service_id');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(error);
  });

  const group = (n: number) => Array.from({ length: n }, (_, i) => ({ ...alerts[0], fingerprint: `f${i}`, labels: { service_id: String(2000 + i) } }));

  it(`reads every alert of a payload up to ${MAX_ALERTS_PER_PAYLOAD} (none dropped past the 200th)`, () => {
    const r = parseAlertmanager({ ...firing, alerts: group(MAX_ALERTS_PER_PAYLOAD) }, 'service_id');
    expect(r.ok && r.alerts.map((a) => a.target)).toEqual(group(MAX_ALERTS_PER_PAYLOAD).map((a) => a.labels.service_id));
    expect(r.ok && r.note).toBeNull();
  });

  it(`refuses a payload of more than ${MAX_ALERTS_PER_PAYLOAD} alerts whole, saying how to narrow it`, () => {
    const r = parseAlertmanager({ ...firing, alerts: group(MAX_ALERTS_PER_PAYLOAD + 1) }, 'service_id');
    expect(r).toEqual({ ok: false, tooMany: true, error: expect.stringMatching(new RegExp(`^${MAX_ALERTS_PER_PAYLOAD + 1} alerts in one notification; at most ${MAX_ALERTS_PER_PAYLOAD}.*max_alerts`)) });
  });

  it("says when Alertmanager itself left alerts out (max_alerts)", () => {
    const r = parseAlertmanager({ ...firing, truncatedAlerts: 12 }, 'service_id');
    expect(r.ok && r.note).toBe('Alertmanager left out 12 alerts of this group (max_alerts in its webhook_config); they were not sent');
  });
});

describe('parseUptimeKuma', () => {
  const down = fixture('hook-uptime-kuma-down');
  const monitor = down.monitor as Record<string, unknown>;
  const heartbeat = down.heartbeat as Record<string, unknown>;

  it('reads a down heartbeat: the client from the service_id tag, the reason from its msg', () => {
    expect(parseUptimeKuma(down)).toEqual({
      ok: true,
      alerts: [{ source: 'uptime_kuma', status: 'firing', target: '1001', key: 'kuma:29', title: 'client-1001 Ana Morales CPE', reason: 'timeout of 48000ms exceeded', channel: null }],
      skipped: [],
      note: null,
    });
  });

  it('reads an up heartbeat as resolved', () => {
    expect(targets(parseUptimeKuma(fixture('hook-uptime-kuma-up')))).toEqual(['resolved:1001']);
  });

  it.each([
    ['the name when there is no tag', { ...down, monitor: { ...monitor, tags: [] } }, ['firing:1001']],
    ['the name in Spanish', { ...down, monitor: { ...monitor, name: 'Cliente 2044 torre norte', tags: [] } }, ['firing:2044']],
    ['neither tag nor name', { ...down, monitor: { ...monitor, name: 'Core router', tags: [] } }, 'no alert names a client (expected a "service_id" tag or a client-NNNN monitor name)'],
    ['an unknown status', { ...down, heartbeat: { ...heartbeat, status: 7 } }, 'unknown Uptime Kuma heartbeat status 7'],
  ])('client or refusal from %s', (_, body, expected) => {
    expect(targets(parseUptimeKuma(body))).toEqual(expected);
  });

  it.each([
    ['pending', 2, 'heartbeat pending ignored'],
    ['maintenance', 3, 'heartbeat maintenance ignored'],
  ])('ignores a %s heartbeat, saying so', (_, status, note) => {
    expect(parseUptimeKuma({ ...down, heartbeat: { ...heartbeat, status } })).toEqual({ ok: true, alerts: [], skipped: [], note });
  });

  it('answers the Test button (no heartbeat, no monitor) without an alert', () => {
    expect(parseUptimeKuma({ heartbeat: null, monitor: null, msg: 'Uptime Kuma Testing' })).toEqual({ ok: true, alerts: [], skipped: [], note: 'test notification received' });
  });
});

describe('parseCheckHook', () => {
  it.each([
    [{ target: 'client-1001', reason: 'ticket 4411', channel: 'C0NOC' }, { target: 'client-1001', reason: 'ticket 4411', channel: 'C0NOC' }],
    [{ target: ' 1001 ' }, { target: '1001', reason: null, channel: null }],
  ])('reads %j', (body, expected) => {
    const r = parseCheckHook(body);
    expect(r.ok && r.alerts).toEqual([{ source: 'check', status: 'firing', key: `check:${expected.target}`, title: null, ...expected }]);
  });

  it.each([
    [{}, /target/],
    [{ target: '' }, /target is empty/],
    [{ target: 'x'.repeat(101) }, /longer than 100/],
    [{ target: '1001', channel: '#noc <!here>' }, /channel must be a channel id/],
    [[1, 2], /expected \{"target"/],
  ])('refuses %j', (body, error) => {
    const r = parseCheckHook(body);
    expect(!r.ok && r.error).toMatch(error);
  });
});
