import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/core/errors.js';
import { parseRouterDuration, readWispHubTask, routerErrorText, verdictFromPackets } from '../../../src/pingapi/wisphub/verdict-from-packets.js';

const RULE = { intermittentLossPct: 20 };
const raw = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const final = (verdict: string, lossPct: number | null, rttMs: number | null, message: string | null = null) => ({ kind: 'final', verdict, message, lossPct, rttMs });

describe('readWispHubTask: the recorded fixtures', () => {
  it.each([
    ['wisphub-task-pending.json', { kind: 'pending', message: null }],
    ['wisphub-task-process.json', { kind: 'pending', message: null }],
    // 2.104, 1.977, 2.310, 1.880 ms
    ['wisphub-task-stable.json', final('stable', 0, 2.068)],
    ['wisphub-task-mac-reply.json', final('stable', 0, 4)],
    // 2 of 5 answered: 60 % lost; RTT of the two replies, 48 and 51 ms
    ['wisphub-task-intermittent.json', final('intermittent', 60, 49.5)],
    ['wisphub-task-no-internet.json', final('no_internet', 100, null)],
    // the customer's device (private) never answers; the antenna (public) sends "host unreachable"
    ['wisphub-task-antenna-only.json', final('antenna_only', 100, null)],
    ['wisphub-task-router-error.json', final('failed', null, null, 'input does not match any value of interface')],
    ['wisphub-task-failure.json', final('failed', null, null, 'router did not answer')],
  ])('%s', (name, want) => {
    expect(readWispHubTask(200, raw(name), RULE)).toEqual(want);
  });
});

describe('verdictFromPackets: the rule', () => {
  const reply = (host: string, time = '10ms') => ({ host, sent: '1', received: '1', 'packet-loss': '0', time, 'avg-rtt': time });
  const lost = (host: string) => ({ host, sent: '1', received: '0', 'packet-loss': '100', status: 'timeout' });
  const unreachable = (host: string) => ({ host, sent: '1', received: '0', 'packet-loss': '100', status: 'host unreachable', time: '500ms' });
  const items = (...packets: unknown[]) => [...packets.map((p, i) => ({ [`ping-${i + 1}`]: p })), { 'ping-exitoso': 'x de y' }];
  const C = '10.0.0.2';
  const A = '190.14.22.7';

  it.each([
    ['all replies', items(reply(C), reply(C), reply(C), reply(C)), 20, final('stable', 0, 10)],
    ['1 of 5 lost is 20 %: intermittent at the default threshold', items(reply(C), reply(C), reply(C), reply(C), lost(C)), 20, final('intermittent', 20, 10)],
    ['1 of 5 lost is stable with PING_INTERMITTENT_LOSS_PCT=25', items(reply(C), reply(C), reply(C), reply(C), lost(C)), 25, final('stable', 20, 10)],
    ['1 of 10 lost is stable', items(...Array.from({ length: 9 }, () => reply(C)), lost(C)), 20, final('stable', 10, 10)],
    ['"host unreachable" from the private side counts as the device answering', items(unreachable(C), unreachable(C)), 20, final('stable', 0, null)],
    ['client replies beside antenna answers judge the client', items(reply(C, '5ms'), unreachable(A), reply(C, '7ms'), unreachable(A)), 20, final('stable', 0, 6)],
    ['only the antenna answers', items(lost(C), unreachable(A)), 20, final('antenna_only', 100, null)],
    ['only public hosts, answering', items(reply(A)), 20, final('antenna_only', null, null)],
    ['nothing answers', items(lost(C), lost(C)), 20, final('no_internet', 100, null)],
    ['router errors beside packets are ignored', items('router error', reply(C), reply(C)), 20, final('stable', 0, 10)],
    ['only router errors, plain text', items('interface down'), 20, final('failed', null, null, 'interface down')],
    ['no packets at all', items(), 20, final('failed', null, null, 'WispHub reported no packets')],
    ['numbers instead of strings', [{ 'ping-1': { host: C, sent: 2, received: 1, 'avg-rtt': '3ms' } }], 20, final('intermittent', 50, 3)],
    ['garbage items are skipped', [null, 7, { 'ping-1': null }, { 'ping-2': { sent: '1' } }, { 'ping-3': reply(C) }], 20, final('stable', 0, 10)],
    ['received above sent is capped', [{ 'ping-1': { host: C, sent: '1', received: '5', time: '2ms' } }], 20, final('stable', 0, 2)],
    ['a MAC is the customer side', items(reply('A4:5E:60:1B:2C:3D', '4ms')), 20, final('stable', 0, 4)],
    ['CGNAT 100.64/10 is the customer side', items(lost('100.64.1.9'), unreachable(A)), 20, final('antenna_only', 100, null)],
  ])('%s', (_n, result, threshold, want) => {
    expect(verdictFromPackets(result, { intermittentLossPct: threshold })).toEqual(want);
  });
});

describe('readWispHubTask: bad answers are malformed (transient), never a verdict', () => {
  it.each([
    ['HTML', '<html><body>502 Bad Gateway</body></html>'],
    ['empty', ''],
    ['a list', '[]'],
    ['no task', '{"status":"SUCCESS"}'],
    ['task not an object', '{"task":"SUCCESS"}'],
    ['no status', '{"task":{"result":[]}}'],
    ['status a number', '{"task":{"status":3}}'],
    ['SUCCESS without a list', '{"task":{"status":"SUCCESS","result":"ok"}}'],
  ])('%s', (_n, body) => {
    expect(() => readWispHubTask(200, body, RULE)).toThrow(TransientError);
    expect(() => readWispHubTask(200, body, RULE)).toThrow('WispHub answered a ping task that could not be read');
  });

  it('STARTED and RETRY are still running; REVOKED is a failure naming the state', () => {
    expect(readWispHubTask(200, '{"task":{"status":"STARTED","result":null}}', RULE)).toEqual({ kind: 'pending', message: null });
    expect(readWispHubTask(200, '{"task":{"status":"retry"}}', RULE)).toEqual({ kind: 'pending', message: null });
    expect(readWispHubTask(200, '{"task":{"status":"REVOKED"}}', RULE)).toEqual(final('failed', null, null, 'the WispHub ping task ended as REVOKED'));
    expect(readWispHubTask(200, '{"task":{"status":"FAILURE","result":null}}', RULE)).toEqual(final('failed', null, null, 'the WispHub ping task failed'));
  });
});

describe('parseRouterDuration', () => {
  it.each([
    ['1ms287us', 1.287],
    ['5ms', 5],
    ['12ms5us', 12.005],
    ['870us', 0.87],
    ['1s20ms', 1020],
    ['0ms', 0],
    [' 48ms ', 48],
    ['', null],
    ['5 ms', null],
    ['abc', null],
    ['-5ms', null],
    [5, null],
    [null, null],
  ])('%j → %j', (input, want) => {
    expect(parseRouterDuration(input)).toBe(want);
  });
});

describe('routerErrorText', () => {
  it.each([
    [`('Error "input does not match any value of interface" executing command /ping', 'input does not match any value of interface')`, 'input does not match any value of interface'],
    ['plain words', 'plain words'],
    ['  \u0007bell  ', 'bell'],
  ])('%s', (input, want) => {
    expect(routerErrorText(input)).toBe(want);
  });
});
