import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { captureLogs } from '../support/log-capture.js';
import { turnCounter } from '../support/turns.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

async function start(logger = silentLogger): Promise<{ server: HttpServer; url: string }> {
  const server = createHttpServer(logger);
  servers.push(server);
  const port = await server.listen(0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${port}` };
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('the HTTP server', () => {
  it('answers /healthz 200 from the start, and HEAD too', async () => {
    const { url } = await start();

    expect(await get(`${url}/healthz`)).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { status: 'ok' } });
    expect((await fetch(`${url}/healthz?probe=k8s`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers /readyz 503 until ready, 200 when ready, 503 again when draining', async () => {
    const { server, url } = await start();

    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { status: 'waiting for the Ping API' } });
    server.setReady(true);
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
    server.setReady(false);
    expect((await get(`${url}/readyz`)).status).toBe(503);
    server.setReady(true);
    server.setDraining();
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { status: 'draining' } });
    // Liveness is not readiness: a draining process is still alive.
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it('routes by mounted prefix on path segments, query strings ignored', async () => {
    const { server, url } = await start();
    server.mount('/slack', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`slack ${req.method} ${req.url}`);
    });
    server.mount('/discord', (_req, res) => {
      res.writeHead(202);
      res.end('discord');
    });

    expect(await get(`${url}/slack/events?retry=1`, { method: 'POST', body: '{}' })).toMatchObject({ status: 200, body: 'slack POST /slack/events?retry=1' });
    expect(await get(`${url}/slack`)).toMatchObject({ status: 200, body: 'slack GET /slack' });
    expect(await get(`${url}/discord/interactions`)).toMatchObject({ status: 202, body: 'discord' });
    // A shared prefix of letters is not a mount: /slackware is nobody's.
    expect(await get(`${url}/slackware`)).toEqual({ status: 404, type: 'application/json; charset=utf-8', body: { error: 'not found' } });
  });

  it('answers unknown paths and methods with a JSON 404', async () => {
    const { url } = await start();

    for (const [path, method] of [['/', 'GET'], ['/nope', 'GET'], ['/healthz', 'POST'], ['/readyz', 'DELETE']] as const) {
      expect(await get(`${url}${path}`, { method }), `${method} ${path}`).toEqual({ status: 404, type: 'application/json; charset=utf-8', body: { error: 'not found' } });
    }
  });

  it('refuses mounted routes with 503 while draining', async () => {
    const { server, url } = await start();
    let calls = 0;
    server.mount('/slack', (_req, res) => {
      calls++;
      res.end('ok');
    });
    expect((await get(`${url}/slack/events`)).status).toBe(200);

    server.setDraining();

    expect(await get(`${url}/slack/events`, { method: 'POST', body: '{}' })).toMatchObject({ status: 503, body: { error: 'shutting down' } });
    expect(calls).toBe(1);
  });

  it('lets a route that hands its requests over take them while draining, until it says it no longer does', async () => {
    const { server, url } = await start();
    let taking = true;
    let calls = 0;
    server.mount(
      '/slack',
      (_req, res) => {
        calls++;
        res.end('ok');
      },
      { takesWhileDraining: () => taking },
    );
    server.setDraining();
    expect((await get(`${url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await get(`${url}/readyz`)).status).toBe(503);
    taking = false;
    expect(await get(`${url}/slack/events`, { method: 'POST', body: '{}' })).toMatchObject({ status: 503, body: { error: 'shutting down' } });
    expect(calls).toBe(1);
  });

  it('turns a throwing handler into a 500, logs it, and keeps serving', async () => {
    const logs = captureLogs();
    const { server, url } = await start(logs.logger);
    server.mount('/boom', () => {
      throw new Error('handler exploded');
    });
    server.mount('/half', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      throw new Error('after headers');
    });
    server.mount('/fine', (_req, res) => {
      res.end('fine');
    });
    server.mount('/async-boom', async () => {
      await Promise.resolve();
      throw new Error('async handler exploded');
    });

    expect(await get(`${url}/boom`)).toEqual({ status: 500, type: 'application/json; charset=utf-8', body: { error: 'internal error' } });
    // Headers already went out: the response is ended as it is rather than left hanging.
    expect(await get(`${url}/half`)).toMatchObject({ status: 200, body: 'partial' });
    expect(await get(`${url}/fine`)).toMatchObject({ status: 200, body: 'fine' });
    // A handler that answers later (a /metrics scrape) fails the same way.
    expect(await get(`${url}/async-boom`)).toEqual({ status: 500, type: 'application/json; charset=utf-8', body: { error: 'internal error' } });
    expect(logs.text()).toContain('async handler exploded');
    expect((await get(`${url}/healthz`)).status).toBe(200);
    expect(logs.text()).toContain('"path":"/boom"');
    expect(logs.text()).toContain('handler exploded');
    // The error text stays in the log, not in the answer.
    expect(JSON.stringify(await get(`${url}/boom`))).not.toContain('exploded');
  });

  it('drops a malformed request without disturbing the next one', async () => {
    const { url } = await start();
    const { port } = new URL(url);

    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', () => resolve(got));
    });
    // clientError destroys the socket: no half-written answer.
    expect(garbage).toBe('');
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it('handles requests that arrive together in later turns, in the order they came (a slice of 0: one per turn)', async () => {
    const server = createHttpServer(silentLogger, { handlerSliceMs: 0 });
    servers.push(server);
    const port = await server.listen(0, '127.0.0.1');
    const counter = turnCounter();
    const handled: { body: string; turn: number }[] = [];
    server.mount('/slack', (req, res) => {
      const body = (req as { rawBody?: Buffer }).rawBody?.toString() ?? '';
      handled.push({ body, turn: counter.turn });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });

    // Eight requests pipelined in one write: Node parses them all in one turn, as it does a
    // burst that arrives on many sockets at once.
    const requests = Array.from({ length: 8 }, (_, i) => `POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${`n=${i}`.length}\r\n\r\nn=${i}`).join('');
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(requests));
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        if ((got.match(/HTTP\/1\.1 200/g) ?? []).length === 8) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    counter.stop();

    expect(handled.map((h) => h.body)).toEqual(['n=0', 'n=1', 'n=2', 'n=3', 'n=4', 'n=5', 'n=6', 'n=7']);
    for (let i = 1; i < handled.length; i++) expect(handled[i]?.turn).toBeGreaterThan(handled[i - 1]?.turn as number);
    // The answers go back in order on the connection, as HTTP/1.1 pipelining requires.
    expect(answers.match(/n=\d/g)).toEqual(['n=0', 'n=1', 'n=2', 'n=3', 'n=4', 'n=5', 'n=6', 'n=7']);
  });

  it('closes even with a keep-alive connection open', async () => {
    const server = createHttpServer(silentLogger);
    const port = await server.listen(0, '127.0.0.1');
    const agentRes = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'keep-alive' } });
    await agentRes.text();

    await server.close();

    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
