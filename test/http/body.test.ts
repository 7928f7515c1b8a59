import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkContentLength, MAX_BODY_BYTES } from '../../src/http/body.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';

describe('checkContentLength', () => {
  it.each([
    [undefined, 'ok'],
    ['0', 'ok'],
    ['1048576', 'ok'],
    ['1048577', 'too_large'],
    ['1000000000', 'too_large'],
    ['1e9', 'bad_length'],
    ['-1', 'bad_length'],
    ['12, 12', 'bad_length'],
  ] as const)('%s -> %s', (header, verdict) => {
    expect(checkContentLength(header, MAX_BODY_BYTES)).toBe(verdict);
  });
});

interface Reply {
  status: number;
  body: string;
}

/** Sends headers and `parts` (each written as is), optionally without ending the body. */
function send(port: number, headers: Record<string, string>, parts: Buffer[], end = true): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/hook', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    // The server may close the socket while we still write: that is the point.
    req.on('error', (err) => (String(err).includes('EPIPE') || String(err).includes('ECONNRESET') ? undefined : reject(err)));
    for (const p of parts) req.write(p);
    if (end) req.end();
  });
}

describe('bounded request bodies on every mounted route (issue 8)', () => {
  let server: HttpServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  async function start(clock = new ManualClock()) {
    const seen: number[] = [];
    server = createHttpServer(silentLogger, { clock });
    server.mount('/hook', (req, res) => {
      seen.push(req.rawBody?.length ?? -1);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    const port = await server.listen(0, '127.0.0.1');
    return { port, seen, clock };
  }

  it('hands the handler the whole body of a normal request', async () => {
    const { port, seen } = await start();
    const body = Buffer.from('token=x&text=1001');
    expect(await send(port, { 'content-length': String(body.length) }, [body])).toEqual({ status: 200, body: 'ok' });
    expect(seen).toEqual([body.length]);
  });

  it('answers 413 to a Content-Length over 1 MB before reading a byte of it', async () => {
    const { port, seen } = await start();
    const reply = await send(port, { 'content-length': String(50 * 1024 * 1024) }, [Buffer.alloc(10)], false);
    expect(reply.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('caps a chunked body while it streams', async () => {
    const { port, seen } = await start();
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const reply = await send(port, { 'transfer-encoding': 'chunked' }, [chunk, chunk, chunk, chunk, chunk]);
    expect(reply.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('answers 408 and closes when the body does not arrive within 10 s (virtual)', async () => {
    const { port, seen, clock } = await start();
    const pending = send(port, { 'content-length': '1000' }, [Buffer.alloc(10)], false);
    let status = 0;
    void pending.then((r) => (status = r.status));
    // Let the headers and first bytes reach the server, then wait out the virtual deadline.
    for (let i = 0; i < 20 && clock.pending === 0; i++) await settle();
    await clock.advance(9_999);
    await settle();
    expect(status).toBe(0);
    await clock.advance(1);
    expect((await pending).status).toBe(408);
    expect(seen).toEqual([]);
  });
});
