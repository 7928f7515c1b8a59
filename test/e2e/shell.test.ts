import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finalCard, sanitizeTerminal, statusLine } from '../../src/adapters/shell/terminal.js';
import type { View } from '../../src/present/view.js';
import { fixture, startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
import { MAIN, jsonLines, killStarted, runProgram, startProgram, testEnv as baseTestEnv, until } from '../support/spawn.js';

// Every control character a terminal acts on, plus the bidi overrides that reorder what is shown.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

// Against a fake API there is no SIM_SPEED: poll right away and often.
const FAST_POLLING = { PING_PACKET_MS: '1', PING_INTERVAL_MS: '10', PING_MAX_INTERVAL_MS: '50' };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** What every shell session must hold to: logs go to stderr as JSON, the person's screen gets none. */
function expectCleanStdout(stdout: string): void {
  expect(jsonLines(stdout)).toEqual([]);
  expect(stdout).not.toMatch(TERMINAL_CONTROL);
}

// What talks to the simulator runs against both middleware route layouts.
describe.each(['v1', 'plain'] as const)('pingops shell against the %s layout', (dialect) => {
  const testEnv = (over: Record<string, string | undefined> = {}) => baseTestEnv({ SIM_DIALECT: dialect, ...over });

  it('runs /ping 1001 to the final card and exits 0 at end of input, finishing the check in flight', async () => {
    // stdin closes right after the line: the check is still in flight when input ends.
    const r = await runProgram(MAIN, { env: testEnv(), input: '/ping 1001\n' });

    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.stdout).toContain('[Ana Morales · 1001] Creating the ping task…');
    expect(r.stdout).toMatch(/\[Ana Morales · 1001\] Waiting for the verdict · poll 1 in /);
    expect(r.stdout).toContain('Ana Morales · 1001: ✅ Stable connection');
    expect(r.stdout).toContain('  Address: Cra 12 #34-56 · Centro · Tunja');
    expect(r.stdout).toContain('  Plan: Hogar 50M · $65.000');
    expect(r.stdout).toMatch(/ {2}task [0-9a-f]{8} · \d+ polls? · /);
    // Progress comes before the verdict, and the verdict is the last thing said.
    expect(r.stdout.indexOf('Creating the ping task')).toBeLessThan(r.stdout.indexOf('Stable connection'));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^ {2}task /);
    expectCleanStdout(r.stdout);

    // The structured logs went to stderr, naming the check, its task and the surface.
    const logs = jsonLines(r.stderr) as Record<string, unknown>[];
    expect(logs.find((l) => l.msg === 'verdict')).toMatchObject({ surface: 'shell', serviceId: 1001, verdict: 'stable', taskId: expect.any(String) });
  });

  it('runs several pings at once and prints every verdict once', async () => {
    const r = await runProgram(MAIN, { env: testEnv(), input: '/ping 1001\n/ping 1002\nping 1003\n/ping 1008\n' });

    expect(r.code).toBe(0);
    const verdicts = {
      'Ana Morales · 1001: ✅ Stable connection': 1,
      'Jorge Ramírez · 1002: ⚠️ Intermittent connection': 1,
      'Luz Dary Castro · 1003: 🔴 No internet': 1,
      'Diana Patiño · 1008: 📡 Antenna only': 1,
    };
    for (const line of Object.keys(verdicts)) expect(count(r.stdout, line), line).toBe(1);
    // 1003 is suspended: the card says billing explains it before anyone drives out.
    expect(r.stdout).toMatch(/ {2}! Billing hold: payment status “suspended”/);
    expectCleanStdout(r.stdout);
  });

  it('answers an unknown client, then keeps serving', async () => {
    const r = await runProgram(MAIN, { env: testEnv(), input: '/ping 9999\n/ping 1001\n' });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Client 9999 not found.');
    expect(r.stdout).not.toContain('[9999');
    expect(r.stdout).toContain('Ana Morales · 1001: ✅ Stable connection');
    expectCleanStdout(r.stdout);
  });

});

describe('pingops shell straight against WispHub (SIM_DIALECT=wisphub)', () => {
  it('shows loss and RTT, the router, and the router\'s general fault', async () => {
    const r = await runProgram(MAIN, { env: baseTestEnv({ SIM_DIALECT: 'wisphub' }), input: '/ping 1001\n/ping 1008\n' });

    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Ana Morales · 1001: ✅ Stable connection · 0 % loss · \d+(\.\d)? ms/);
    expect(r.stdout).toContain('  Router: RB-4');
    expect(r.stdout).toContain('  Sector: Sectorial Tunja 4');
    expect(r.stdout).toContain('Diana Patiño · 1008: 📡 Antenna only · 100 % loss');
    expect(r.stdout).toContain('  ! RB-8: general fault reported: Corte de fibra en el sector Magdalena; cuadrilla en camino.');
    expectCleanStdout(r.stdout);
    const logs = jsonLines(r.stderr) as Record<string, unknown>[];
    expect(logs.find((l) => l.msg === 'verdict' && l.serviceId === 1001)).toMatchObject({ lossPct: 0, rttMs: expect.any(Number) });
  });

  it('speaks Spanish: pérdida and falla general', async () => {
    const r = await runProgram(MAIN, { env: baseTestEnv({ SIM_DIALECT: 'wisphub', LOCALE: 'es' }), input: '/ping 1008\n' });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('100 % de pérdida');
    expect(r.stdout).toContain('RB-8: falla general reportada: Corte de fibra');
  });
});

describe('pingops shell (npm start without chat tokens)', () => {
  const testEnv = baseTestEnv;

  it('answers junk with the usage hint and starts no check', async () => {
    const r = await runProgram(MAIN, { env: testEnv(), input: '/ping 1001; rm -rf /\n/ping\n/ping $(reboot)\n' });

    expect(r.code).toBe(0);
    expect(count(r.stdout, 'That does not look like a client. Use a service id (1001)')).toBe(2);
    expect(count(r.stdout, 'Tell me which client to ping: a service id, a phone, a document or a name, e.g. /ping 1001.')).toBe(1);
    expect(r.stdout).not.toContain('Creating the ping task');
    const logs = jsonLines(r.stderr) as Record<string, unknown>[];
    expect(logs.filter((l) => l.msg === 'ping task created')).toEqual([]);
    expectCleanStdout(r.stdout);
  });

  it('shows /help and answers an unknown command', async () => {
    const r = await runProgram(MAIN, { env: testEnv(), input: '/help\n/frobnicate now\n' });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: /ping <client> [packets]');
    expect(r.stdout).toContain('⏱️ Timed out — no verdict within the deadline');
    expect(r.stdout).toContain('Unknown command: use /ping <client> or /help.');
    expectCleanStdout(r.stdout);
  });

  it('speaks Spanish with LOCALE=es', async () => {
    const r = await runProgram(MAIN, { env: testEnv({ LOCALE: 'es' }), input: '/ping 1001\n/ping 9999\n/nada\n' });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Ana Morales · 1001: ✅ Conexión estable');
    expect(r.stdout).toContain('No se encontró el cliente 9999.');
    expect(r.stdout).toContain('Comando desconocido: usa /ping <cliente> o /help.');
    expect(r.stdout).not.toContain('Stable connection');
    expectCleanStdout(r.stdout);
  });

  it('shows the hostile client 1013 verbatim as plain text', async () => {
    const r = await runProgram(MAIN, { env: testEnv(), input: '/ping 1013\n' });

    expect(r.code).toBe(0);
    // A terminal has no mentions or links: the markup is harmless text and must be shown as typed.
    expect(r.stdout).toContain('*Pedro* Gómez <!channel> @everyone · 1013: ✅ Stable connection');
    expect(r.stdout).toContain('  Address: Cl 9 #9-99 <http://evil.example|click here> @here discord.gg/x · Centro · Tunja');
    expectCleanStdout(r.stdout);
  });

  it('keeps escape sequences and bidi overrides from a hostile Ping API off the terminal', async () => {
    const api = await startFakePingApi();
    cleanup.push(() => api.close());
    const evil = 'Eve\u001b[2J\u001b]0;pwned\u0007 \u202eenilno\u202c Mallory\u009b31m';
    routeHostileApi(api, evil);

    const r = await runProgram(MAIN, { env: testEnv({ PING_API_URL: api.url, ...FAST_POLLING }), input: '/ping 1001\n/ping Eve\n' });

    expect(r.code).toBe(0);
    // Whole escape sequences are gone, the readable text stays.
    expect(r.stdout).toContain('Eve enilno Mallory · 1001: ✅ Stable connection');
    // The address's escape sequence went whole at ingest (one sanitizer for outside text).
    expect(r.stdout).toContain('  Address: Cl 1 red · Centro · Tunja');
    // The ambiguous answer to a name search lists the same names, cleaned as well.
    expect(r.stdout).toMatch(/• Eve enilno Mallory · 1001/);
    expect(r.stdout).toMatch(/• Eve enilno Mallory · 1002/);
    expectCleanStdout(r.stdout);
    // The process really talked to the fake, so the text above came from it.
    expect(api.requestsTo('POST', '/api/v1/1001/ping/')).toHaveLength(1);
  });

  it('refuses to start on a damaged store with a message naming PINGOPS_DB; help leaves out the buttons it has not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-bad-db-'));
    try {
      const bad = join(dir, 'pingops.db');
      writeFileSync(bad, 'not a database, just text someone saved here '.repeat(300));
      const r = await runProgram(MAIN, { env: testEnv({ PINGOPS_DB: bad }), input: '/ping 1001\n' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`PINGOPS_DB=${bad}`);
      expect(r.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const help = await runProgram(MAIN, { env: testEnv(), input: '/ping help\n' });
    expect(help.stdout).toContain('Verdicts:');
    expect(help.stdout).not.toMatch(/Re-run|Cancel stops/);
  });

  it('refuses to start on a bad setting, naming it without echoing secrets', async () => {
    const r = await runProgram(MAIN, { env: testEnv({ SIM_SPEED: 'fast', PING_API_PASSWORD: 'sekret-123' }), input: '/ping 1001\n' });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('SIM_SPEED: expected a number');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('sekret-123');
  });

  it('serves /healthz, /readyz and /metrics on PORT while the shell runs', async () => {
    const p = startProgram(MAIN, { env: testEnv(), keepOpen: true });
    await p.waitFor('Ping API answered /health: ready', 'stderr');
    const listening = (jsonLines(p.stderr()) as Record<string, unknown>[]).find((l) => String(l.msg).startsWith('http server listening'));
    const port = Number(listening?.port);
    expect(port).toBeGreaterThan(0);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // A lone process takes the NOC lease within its first renew period: ready, and the leader.
    const ready = await until(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = (await r.json()) as { role?: string };
      return body.role === 'leader' && { status: r.status, body };
    }, '/readyz saying leader');
    expect(ready).toEqual({ status: 200, body: { status: 'ready', role: 'leader', leases: { noc: 'leader' } } });

    p.write('/ping 1001\n/ping 1003\n');
    await p.waitFor('Luz Dary Castro · 1003: 🔴 No internet');
    await p.waitFor('Ana Morales · 1001: ✅ Stable connection');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('pingops_checks_total{verdict="stable"} 1\n');
    expect(metrics).toContain('pingops_checks_total{verdict="no_internet"} 1\n');
    expect(metrics).toContain('pingops_check_runs_total 2\n');
    expect(metrics).toContain('pingops_checks_in_flight 0\n');

    p.endInput();
    expect(await p.exited).toEqual({ code: 0, signal: null });
    // The port was closed on the way out.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('/quit cancels the check in flight and ends at once, ignoring what follows', async () => {
    const p = startProgram(MAIN, { env: testEnv({ PING_TIMEOUT_MS: '60000' }), input: '/ping 1005\n', keepOpen: true });
    await p.waitFor('[Sandra Milena Vargas · 1005] Waiting for the verdict');
    p.write('/quit\n/ping 1001\n');

    // stdin is still open: only /quit can have ended the process before 1005's deadline.
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toContain('Sandra Milena Vargas · 1005: ⏹️ Cancelled');
    expect(p.stdout()).toContain('The check was cancelled before a verdict');
    expect(p.stdout()).not.toContain('Ana Morales');
    expectCleanStdout(p.stdout());
  });

  it('/quit cancels every check in flight, two pings of one client included', async () => {
    const p = startProgram(MAIN, { env: testEnv({ PING_TIMEOUT_MS: '60000' }), input: '/ping 1005\n/ping 1005\n', keepOpen: true });
    await p.waitFor(/Creating the ping task…[^]*Creating the ping task…/);
    p.write('/quit\n');

    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(count(p.stdout(), 'Sandra Milena Vargas · 1005: ⏹️ Cancelled')).toBe(2);
  });

  it('SIGINT cancels the check in flight, prints its card and exits 0', async () => {
    const p = startProgram(MAIN, { env: testEnv({ PING_TIMEOUT_MS: '60000' }), input: '/ping 1005\n', keepOpen: true });
    await p.waitFor('[Sandra Milena Vargas · 1005] Waiting for the verdict');
    p.signal('SIGINT');

    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toContain('Sandra Milena Vargas · 1005: ⏹️ Cancelled');
    expect(p.stdout()).not.toContain('Timed out');
    const logs = jsonLines(p.stderr()) as Record<string, unknown>[];
    expect(logs.find((l) => l.msg === 'verdict')).toMatchObject({ serviceId: 1005, verdict: 'cancelled' });
    expectCleanStdout(p.stdout());
  });

  it('SIGTERM lets the check in flight finish with its verdict (as the README says), then exits 0', async () => {
    const p = startProgram(MAIN, { env: testEnv({ SIM_SPEED: '5' }), input: '/ping 1001\n', keepOpen: true });
    await p.waitFor('[Ana Morales · 1001] Waiting for the verdict');
    p.signal('SIGTERM');

    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toContain('Ana Morales · 1001: ✅ Stable connection');
    expectCleanStdout(p.stdout());
  });
});

/** A Ping API whose client names and addresses carry terminal escape sequences. */
function routeHostileApi(api: FakePingApi, name: string): void {
  const found = fixture('api-client-found.json') as { data: Record<string, unknown> };
  const client = (id: number) => ({ ...found.data, service_id: id, name, address: 'Cl 1 \u001b[31mred' });
  api.route('GET', '/health', { status: 200, body: { status: 'ok' } });
  api.route('GET', /^\/api\/v1\/clients\/by-service-id\/1001\/?$/, { status: 200, body: { ...found, data: client(1001) } });
  api.route('GET', /^\/api\/v1\/clients\/search\/?$/, {
    status: 200,
    body: { ok: true, type: 'success', action: 'clients_listed', data: [client(1001), client(1002)], message: null },
  });
  api.route('POST', /^\/api\/v1\/1001\/ping\/?$/, { status: 200, body: fixture('api-create-ok.json') });
  api.route('GET', /^\/api\/v1\/ping\/[^/]+\/?$/, { status: 200, body: fixture('api-result-stable.json') });
}

const view = (over: Partial<View>): View => ({
  title: 'Ana Morales · 1001',
  status: '✅ Stable connection',
  verdict: 'stable',
  tone: 'good',
  fields: [],
  meaning: null,
  warning: null,
  footer: null,
  buttons: [],
  final: true,
  text: '',
  ...over,
});

describe('sanitizeTerminal', () => {
  it.each([
    ['plain text', 'Ana Morales · Cra 12 #34-56', 'Ana Morales · Cra 12 #34-56'],
    ['CSI colour and clear screen', 'a\u001b[31mred\u001b[2Jb', 'aredb'],
    ['OSC window title with BEL', '\u001b]0;pwned\u0007name', 'name'],
    ['OSC 8 hyperlink with ST', '\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\', 'click'],
    ['8-bit CSI (C1)', 'x\u009b31my', 'xy'],
    ['a lone ESC before a letter', 'a\u001bcb', 'ab'],
    ['carriage return overwriting the line', 'fake ok\rreal', 'fake okreal'],
    ['backspace and DEL', 'ab\u0008\u007fc', 'abc'],
    ['bidi override and isolates', '\u202eevil\u202c \u2066x\u2069', 'evil x'],
    ['NUL', 'a\u0000b', 'ab'],
    ['newline and tab are kept for multi-line answers', 'one\n\ttwo', 'one\n\ttwo'],
    ['accents and emoji untouched', 'Patiño ✅ ⚠️', 'Patiño ✅ ⚠️'],
  ])('%s', (_case, input, expected) => {
    expect(sanitizeTerminal(input)).toBe(expected);
  });

  it('is applied to every part of the status line and the final card', () => {
    const hostile = 'X\u001b[2J\u202e';
    const v = view({
      title: hostile,
      status: hostile,
      meaning: hostile,
      warning: hostile,
      footer: hostile,
      fields: [{ label: hostile, value: hostile }],
    });
    for (const colour of [false, true]) {
      // Our own colour codes are the only escapes allowed through.
      const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
      expect(strip(statusLine(v, colour))).not.toMatch(TERMINAL_CONTROL);
      expect(strip(finalCard(v, colour))).not.toMatch(TERMINAL_CONTROL);
      expect(strip(finalCard(v, colour))).toContain('X: X');
    }
  });
});
