import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiVerdict } from '../../src/core/verdict.js';
import type { FinishingScenario, ProbeTarget, WispHubProbe, WispHubTask } from '../../src/sim/wisphub.js';
import { buildWispHubResult, failureReasonOf, formatRouterDuration, verdictFromWispHubTask, wispHubTaskAt } from '../../src/sim/wisphub.js';
import { seededRandom } from '../../src/sim/seeded.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Every WispHub fixture and what it means; a new fixture without a row here fails the suite. */
const EXPECTED: Record<string, { verdict: ApiVerdict | 'pending'; reason: string | null }> = {
  'wisphub-task-stable.json': { verdict: 'stable', reason: null },
  'wisphub-task-intermittent.json': { verdict: 'intermittent', reason: null },
  'wisphub-task-no-internet.json': { verdict: 'no_internet', reason: null },
  'wisphub-task-antenna-only.json': { verdict: 'antenna_only', reason: null },
  'wisphub-task-mac-reply.json': { verdict: 'stable', reason: null },
  'wisphub-task-router-error.json': { verdict: 'failed', reason: 'input does not match any value of interface' },
  'wisphub-task-failure.json': { verdict: 'failed', reason: 'router did not answer' },
  'wisphub-task-pending.json': { verdict: 'pending', reason: null },
  'wisphub-task-process.json': { verdict: 'pending', reason: null },
};

const fixtureFiles = readdirSync(FIXTURES).filter((f) => /^wisphub-task-.*\.json$/.test(f));

function loadTask(file: string): WispHubTask {
  return (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { task: WispHubTask }).task;
}

describe('verdictFromWispHubTask over the recorded fixtures', () => {
  it('has an expectation for every fixture', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(9);
    expect(fixtureFiles.filter((f) => !(f in EXPECTED))).toEqual([]);
  });

  it.each(fixtureFiles)('%s', (file) => {
    const task = loadTask(file);
    expect(verdictFromWispHubTask(task)).toBe(EXPECTED[file]?.verdict);
    expect(failureReasonOf(task)).toBe(EXPECTED[file]?.reason);
  });
});

const reply = (host: string, received = 1): WispHubProbe => ({
  host, sent: '1', received: String(received), 'packet-loss': received ? '0' : '100',
  ...(received ? { time: '3ms' } : { status: 'timeout' }),
});
const items = (...probes: (WispHubProbe | string)[]) => [...probes.map((p, i) => ({ [`ping-${i + 1}`]: p })), { 'ping-exitoso': '? de ?' }];

describe('verdictFromWispHubTask edge cases', () => {
  it.each<[string, WispHubTask, ApiVerdict | 'pending']>([
    ['Celery STARTED is still running', { status: 'STARTED', result: null }, 'pending'],
    ['REVOKED is a failure', { status: 'REVOKED', result: null }, 'failed'],
    ['SUCCESS without a list is a failure', { status: 'SUCCESS', result: 'weird' }, 'failed'],
    ['SUCCESS with an empty list is a failure', { status: 'SUCCESS', result: [] }, 'failed'],
    ['4 of 5 answered is still stable (exactly 0.8)', { status: 'SUCCESS', result: items(reply('10.0.0.2'), reply('10.0.0.2'), reply('10.0.0.2'), reply('10.0.0.2'), reply('10.0.0.2', 0)) }, 'stable'],
    ['3 of 4 answered is intermittent', { status: 'SUCCESS', result: items(reply('10.0.0.2'), reply('10.0.0.2'), reply('10.0.0.2'), reply('10.0.0.2', 0)) }, 'intermittent'],
    ['router errors mixed with replies judge the replies', { status: 'SUCCESS', result: items('router error', reply('192.168.1.9'), reply('192.168.1.9')) }, 'stable'],
    ['a customer with a public IP is judged on it', { status: 'SUCCESS', result: items(reply('181.50.3.4'), reply('181.50.3.4', 0)) }, 'intermittent'],
    ['public IP silent too: no internet, not antenna-only', { status: 'SUCCESS', result: items(reply('10.0.0.2', 0), { host: '190.14.22.7', sent: '1', received: '0', 'packet-loss': '100', status: 'timeout' }) }, 'no_internet'],
    ['antenna replies while the MAC device is silent', { status: 'SUCCESS', result: items(reply('A4:5E:60:00:00:01', 0), reply('190.14.22.7')) }, 'antenna_only'],
    ['CGNAT addresses are customer side', { status: 'SUCCESS', result: items(reply('100.64.3.2', 0), reply('100.70.0.1', 0)) }, 'no_internet'],
    ['numbers instead of strings are tolerated', { status: 'SUCCESS', result: [{ 'ping-1': { host: '10.0.0.2', sent: 2, received: 2 } as unknown as WispHubProbe }] }, 'stable'],
    ['garbage items are skipped', { status: 'SUCCESS', result: [null, 7, { 'ping-1': null }, { 'ping-2': reply('10.0.0.2') }] as unknown as WispHubTask['result'] }, 'stable'],
  ])('%s', (_name, task, verdict) => {
    expect(verdictFromWispHubTask(task)).toBe(verdict);
  });
});

describe('formatRouterDuration', () => {
  it.each([
    [2104, '2ms104us'],
    [48_000, '48ms'],
    [870, '870us'],
    [540_000, '540ms'],
    [1287, '1ms287us'],
    [0, '0us'],
  ])('%i µs → %s', (us, text) => {
    expect(formatRouterDuration(us)).toBe(text);
  });
});

const target: ProbeTarget = { customerHost: '10.20.0.4', antennaHost: '190.14.24.9', lanInterface: 'ether3' };
const SCENARIOS: [FinishingScenario, ApiVerdict][] = [
  [{ outcome: 'stable', device: 'ip' }, 'stable'],
  [{ outcome: 'intermittent', device: 'ip' }, 'intermittent'],
  [{ outcome: 'no_internet', device: 'ip' }, 'no_internet'],
  [{ outcome: 'antenna_only', device: 'ip' }, 'antenna_only'],
  [{ outcome: 'failed', failure: 'router_error' }, 'failed'],
  [{ outcome: 'failed', failure: 'task_failure' }, 'failed'],
];

describe('buildWispHubResult', () => {
  it.each(SCENARIOS)('%o gives its verdict for 2..20 packets and any randomness', (scenario, verdict) => {
    for (let n = 2; n <= 20; n++) {
      for (let seed = 1; seed <= 25; seed++) {
        const task = buildWispHubResult(scenario, n, target, seededRandom(seed));
        expect(verdictFromWispHubTask(task), `n=${n} seed=${seed}`).toBe(verdict);
      }
    }
  });

  it('with one packet a line can only look all-or-nothing', () => {
    for (let seed = 1; seed <= 20; seed++) {
      expect(verdictFromWispHubTask(buildWispHubResult({ outcome: 'stable', device: 'ip' }, 1, target, seededRandom(seed)))).toBe('stable');
      expect(['stable', 'no_internet']).toContain(verdictFromWispHubTask(buildWispHubResult({ outcome: 'intermittent', device: 'ip' }, 1, target, seededRandom(seed))));
      expect(verdictFromWispHubTask(buildWispHubResult({ outcome: 'antenna_only', device: 'ip' }, 1, target, seededRandom(seed)))).toBe('no_internet');
    }
  });

  it('writes the exact WispHub result form: ping-1..N then ping-exitoso', () => {
    const task = buildWispHubResult({ outcome: 'antenna_only', device: 'ip' }, 4, target, seededRandom(3));
    expect(task.status).toBe('SUCCESS');
    const result = task.result as Record<string, unknown>[];
    expect(result.map((i) => Object.keys(i))).toEqual([['ping-1'], ['ping-2'], ['ping-3'], ['ping-4'], ['ping-exitoso']]);
    expect(result[4]).toEqual({ 'ping-exitoso': '2 de 4' });
    expect(result[0]).toEqual({ 'ping-1': { host: '10.20.0.4', sent: '1', received: '0', 'packet-loss': '100', seq: '0', status: 'timeout' } });
    const antenna = result[1]?.['ping-2'] as WispHubProbe;
    expect(antenna).toMatchObject({ host: '190.14.24.9', sent: '1', received: '0', 'packet-loss': '100', status: 'host unreachable', ttl: '64', size: '56' });
    expect(antenna.time).toMatch(/^\d+ms$/);
    expect(antenna['avg-rtt']).toBe(antenna.time);
  });

  it('stable replies carry RouterOS-style times like 2ms104us and count in ping-exitoso', () => {
    const task = buildWispHubResult({ outcome: 'stable', device: 'ip' }, 4, target, () => 0.5);
    const result = task.result as Record<string, WispHubProbe | string>[];
    for (let i = 0; i < 4; i++) {
      const p = result[i]?.[`ping-${i + 1}`] as WispHubProbe;
      expect(p).toMatchObject({ host: '10.20.0.4', sent: '1', received: '1', 'packet-loss': '0' });
      expect(p.status).toBeUndefined();
      expect(p.time).toMatch(/^\d+ms\d+us$|^\d+ms$/);
    }
    expect(result[4]).toEqual({ 'ping-exitoso': '4 de 4' });
  });

  it('router errors name the line interface and address, as RouterOS does', () => {
    const task = buildWispHubResult({ outcome: 'failed', failure: 'router_error' }, 3, target, seededRandom(1));
    const first = (task.result as Record<string, string>[])[0]?.['ping-1'];
    expect(first).toBe(
      `('Error "input does not match any value of interface" executing command /ping =count=1 =interface=ether3 =address=10.20.0.4', 'input does not match any value of interface')`,
    );
    expect((task.result as unknown[]).at(-1)).toEqual({ 'ping-exitoso': '0 de 3' });
  });

  it('a Celery failure is FAILURE with a string result', () => {
    const task = buildWispHubResult({ outcome: 'failed', failure: 'task_failure' }, 4, target, () => 0.1);
    expect(task).toEqual({ status: 'FAILURE', result: 'router did not answer' });
  });
});

describe('wispHubTaskAt', () => {
  const final = buildWispHubResult({ outcome: 'stable', device: 'ip' }, 4, target, seededRandom(9));
  const timeline = { createdAt: 1000, queuedMs: 200, durationMs: 4500, final };

  it.each([
    [1000, 'PENDING'],
    [1199, 'PENDING'],
    [1200, 'PROCESS'],
    [5499, 'PROCESS'],
    [5500, 'SUCCESS'],
    [999_999, 'SUCCESS'],
  ])('at %i the task is %s', (now, status) => {
    expect(wispHubTaskAt(timeline, now).status).toBe(status);
  });

  it('shows no result before the end', () => {
    expect(wispHubTaskAt(timeline, 5000).result).toBeNull();
    expect(wispHubTaskAt(timeline, 5500)).toBe(final);
  });

  it('a task with no final result stays PROCESS forever', () => {
    expect(wispHubTaskAt({ ...timeline, final: null }, 10 ** 12)).toEqual({ status: 'PROCESS', result: null });
  });
});
