import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOK_MAX_BODY_BYTES, HOOK_RETRY_AFTER_S, bearerMatches, mountHooks } from '../../src/http/hooks.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { IntakeFullError, MAX_ALERTS_PER_PAYLOAD, type IntakeAlert } from '../../src/noc/intake.js';
import { Secret } from '../../src/util/secret.js';
import { captureLogs } from '../support/log-capture.js';

const TOKEN = 'hook-token-7f3a9c';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8');

const servers: HttpServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

async function start(opts: { failSink?: boolean; fullSink?: boolean } = {}) {
  const logs = captureLogs();
  const server = createHttpServer(logs.logger);
  servers.push(server);
  const received: IntakeAlert[][] = [];
  mountHooks(server, {
    token: new Secret(TOKEN),
    clientLabel: 'service_id',
    logger: logs.logger,
    sink: {
      accept: async (alerts) => {
        if (opts.failSink) throw new Error('store is down');
        if (opts.fullSink) throw new IntakeFullError('more than 20000 alerts are waiting to be checked');
        received.push([...alerts]);
      },
    },
  });
  const port = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, port, received, logs };
}

/** An Alertmanager notification of `n` client alerts in the fixture's format (labels and annotations as a blackbox rule sends them). */
function alertmanagerGroup(n: number): string {
  const group = JSON.parse(fixture('hook-alertmanager-firing')) as { alerts: Record<string, unknown>[] };
  const [first] = group.alerts;
  const alerts = Array.from({ length: n }, (_, i) => {
    const ip = `10.20.${(i >> 8) & 255}.${i & 255}`;
    return { ...first, labels: { alertname: 'ClientLinkDown', severity: 'page', job: 'blackbox-icmp', instance: ip, router: `RB-${i % 40}`, service_id: String(10000 + i) }, annotations: { summary: `CPE ${ip} does not answer ICMP`, description: 'probe_success == 0 for 2m' }, fingerprint: i.toString(16).padStart(16, '0') };
  });
  return JSON.stringify({ ...group, alerts });
}

async function post(url: string, body: string | FormData, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}), ...headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('alert hooks over HTTP', () => {
  it('takes an Alertmanager group: 202, and every alert with a client reaches the NOC', async () => {
    const { url, received } = await start();
    const r = await post(`${url}/hooks/alertmanager`, fixture('hook-alertmanager-firing'));
    expect(r).toEqual({ status: 202, body: { accepted: 2, skipped: [] } });
    expect(received.flat().map((a) => `${a.source} ${a.status} ${a.target}`)).toEqual(['alertmanager firing 1001', 'alertmanager firing 1017']);
  });

  it('takes a real-sized group in one notification: 2,000 alerts (~900 KB), every one handed over', async () => {
    const { url, received } = await start();
    const body = alertmanagerGroup(2000);
    expect(body.length).toBeGreaterThan(880 * 1024);
    const r = await post(`${url}/hooks/alertmanager`, body);
    expect(r).toEqual({ status: 202, body: { accepted: 2000, skipped: [] } });
    expect(received.flat().map((a) => a.target)).toEqual(Array.from({ length: 2000 }, (_, i) => String(10000 + i)));
  });

  it(`refuses a group of more than ${MAX_ALERTS_PER_PAYLOAD} alerts whole with 413 and the way to narrow it, handing nothing over`, async () => {
    const { url, received } = await start();
    const tiny = JSON.stringify({ version: '4', alerts: Array.from({ length: MAX_ALERTS_PER_PAYLOAD + 1 }, (_, i) => ({ status: 'firing', labels: { service_id: String(i + 1) } })) });
    const r = await post(`${url}/hooks/alertmanager`, tiny);
    expect(r.status).toBe(413);
    expect(String(r.body.error)).toMatch(/max_alerts/);
    expect(received).toEqual([]);
  });

  it('takes Uptime Kuma down and up heartbeats, as JSON and as its form-data variant', async () => {
    const { url, received } = await start();
    expect((await post(`${url}/hooks/uptime-kuma`, fixture('hook-uptime-kuma-down'))).status).toBe(202);
    const form = new FormData();
    form.set('data', fixture('hook-uptime-kuma-up'));
    expect((await post(`${url}/hooks/uptime-kuma`, form)).status).toBe(202);
    expect(received.flat().map((a) => `${a.status} ${a.target}`)).toEqual(['firing 1001', 'resolved 1001']);
  });

  it("answers Uptime Kuma's Test button with 202 and a note, and checks nothing", async () => {
    const { url, received } = await start();
    const r = await post(`${url}/hooks/uptime-kuma`, JSON.stringify({ heartbeat: null, monitor: null, msg: 'Uptime Kuma Testing' }));
    expect(r).toEqual({ status: 202, body: { accepted: 0, skipped: [], note: 'test notification received' } });
    expect(received).toEqual([]);
  });

  it.each([
    ['JSON sent as a urlencoded form (curl -d)', 'check', JSON.stringify({ target: '1001', reason: 'ticket 4411' }), 202, null],
    ['form fields to /hooks/check (curl -d target=…)', 'check', 'target=1001&reason=ticket+4411&other=x', 202, null],
    ['form fields without a target', 'check', 'reason=ticket+4411', 400, 'a form check request needs a "target" field; or send JSON with Content-Type: application/json'],
    ['form fields to a webhook', 'uptime-kuma', 'monitor=client-1001&status=down', 400, 'a urlencoded form is not a webhook payload; send JSON with Content-Type: application/json (Uptime Kuma: body type JSON or form-data)'],
  ] as const)('a urlencoded body: %s', async (_, hook, body, status, error) => {
    const { url, received } = await start();
    const r = await post(`${url}/hooks/${hook}`, body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(status);
    if (error) expect(r.body).toEqual({ error });
    else expect(received.flat()).toMatchObject([{ source: 'check', target: '1001', reason: 'ticket 4411' }]);
  });

  it('answers a multipart form without a "data" field with what Uptime Kuma would have sent', async () => {
    const { url, received } = await start();
    const form = new FormData();
    form.set('payload', fixture('hook-uptime-kuma-down'));
    expect(await post(`${url}/hooks/uptime-kuma`, form)).toEqual({
      status: 400,
      body: { error: 'multipart body without a "data" field (Uptime Kuma\'s form-data body puts the JSON there); or send JSON with Content-Type: application/json' },
    });
    expect(received).toEqual([]);
  });

  it('takes /hooks/check with a target, a reason and a channel', async () => {
    const { url, received } = await start();
    expect((await post(`${url}/hooks/check`, JSON.stringify({ target: 'client-1001', reason: 'ticket 4411', channel: 'C0NOC' }))).status).toBe(202);
    expect(received.flat()).toMatchObject([{ source: 'check', target: 'client-1001', reason: 'ticket 4411', channel: 'C0NOC' }]);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token without Bearer', { authorization: TOKEN }],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
  ])('refuses %s with 401 and hands nothing over', async (_, headers) => {
    const { url, received } = await start();
    const res = await fetch(`${url}/hooks/alertmanager`, { method: 'POST', body: fixture('hook-alertmanager-firing'), headers: { 'content-type': 'application/json', ...headers } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'missing or wrong bearer token (HOOKS_TOKEN)' });
    expect(received).toEqual([]);
  });

  it('refuses an unauthenticated giant body from its headers, without waiting for a byte of it', async () => {
    const { port } = await start();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /hooks/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"alerts":');
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
  });

  it(`refuses an authenticated body over ${HOOK_MAX_BODY_BYTES / 1024} KB with 413`, async () => {
    const { url, received } = await start();
    const big = JSON.stringify({ target: '1001', reason: 'x'.repeat(HOOK_MAX_BODY_BYTES) });
    const res = await fetch(`${url}/hooks/check`, { method: 'POST', body: big, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(received).toEqual([]);
  });

  it.each([
    ['not JSON', 'alertmanager', '{"alerts": [', 'body is not JSON'],
    ['an empty body', 'alertmanager', '', 'empty body; expected JSON'],
    ['a payload that names no client', 'alertmanager', JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'X' } }] }), 'no alert names a client (expected a "service_id" label)'],
    ['a Kuma payload of the wrong shape', 'uptime-kuma', JSON.stringify({ heartbeat: { status: 'down' }, monitor: {} }), 'not an Uptime Kuma webhook payload: heartbeat.status: Invalid input: expected number, received string'],
  ])('answers %s with 400 and the reason, and logs it', async (_, hook, body, error) => {
    const { url, received, logs } = await start();
    expect(await post(`${url}/hooks/${hook}`, body)).toEqual({ status: 400, body: { error } });
    expect(received).toEqual([]);
    expect(logs.records().some((l) => l.msg === 'hook payload refused' && l.hook === hook)).toBe(true);
  });

  it('answers an unknown hook with 404 and a GET with 405', async () => {
    const { url } = await start();
    expect((await post(`${url}/hooks/grafana`, '{}')).status).toBe(404);
    expect((await fetch(`${url}/hooks/check`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });

  it(`answers 503 with Retry-After ${HOOK_RETRY_AFTER_S} s when the alert queue is full (Alertmanager retries a 5xx, drops a 4xx)`, async () => {
    const { url } = await start({ fullSink: true });
    const res = await fetch(`${url}/hooks/alertmanager`, { method: 'POST', body: fixture('hook-alertmanager-firing'), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(HOOK_RETRY_AFTER_S));
    expect(await res.json()).toEqual({ error: 'more than 20000 alerts are waiting to be checked; retry later' });
  });

  it('answers 503 when the alerts cannot be taken, so the sender retries', async () => {
    const { url } = await start({ failSink: true });
    expect(await post(`${url}/hooks/check`, JSON.stringify({ target: '1001' }))).toEqual({ status: 503, body: { error: 'could not take the alert now; retry' } });
  });

  it('never logs the token', async () => {
    const { url, logs } = await start();
    await post(`${url}/hooks/check`, JSON.stringify({ target: '1001' }));
    await fetch(`${url}/hooks/check`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(logs.text()).not.toContain(TOKEN);
  });
});

describe('bearerMatches', () => {
  it.each([
    [`Bearer ${TOKEN}`, true],
    [`bearer ${TOKEN}`, true],
    [`Bearer  ${TOKEN} `, true],
    [`Bearer ${TOKEN}x`, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, false],
    ['Bearer ', false],
    [undefined, false],
  ])('%s → %s', (header, expected) => {
    expect(bearerMatches(header, TOKEN)).toBe(expected);
  });
});
