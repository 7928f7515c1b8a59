import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkContentLength, LINGER_MS, MAX_BODY_BYTES } from '../../src/http/body.js';
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

  /**
   * A sender that writes its whole body, 64 KB at a time as each write is taken, before it reads
   * anything (as simple clients do): what it read back, and any socket error it saw. A server
   * that closes on it mid-body resets the connection.
   */
  function writeAllThenRead(port: number, head: string, body: Buffer): Promise<{ text: string; error: string | null }> {
    return new Promise((resolve) => {
      let text = '';
      let error: string | null = null;
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(head);
        const next = (at: number) => {
          if (at >= body.length || socket.destroyed) return;
          socket.write(body.subarray(at, at + 64 * 1024), (err) => (err ? undefined : setImmediate(next, at + 64 * 1024)));
        };
        next(0);
      });
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
      socket.on('close', () => resolve({ text, error }));
    });
  }

  it('sends a 413 the sender can read while it is still writing its body, then closes cleanly (lingering close)', async () => {
    const { port, seen } = await start();
    const body = Buffer.alloc(2 * MAX_BODY_BYTES - 64 * 1024, 0x61);
    const r = await writeAllThenRead(port, `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    expect(r.error).toBeNull();
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toContain('{"error":"body too large"}');
    expect(seen).toEqual([]);
  });

  it('does the same for a chunked body that passes the limit while it streams', async () => {
    const { port, seen } = await start();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = Array.from({ length: 31 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    const r = await writeAllThenRead(port, 'POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]));
    expect(r.error).toBeNull();
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(seen).toEqual([]);
  });

  it('gives fetch (undici) the 413 of a large body, not a failed request', async () => {
    const { port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', body: Buffer.alloc(MAX_BODY_BYTES + 256 * 1024, 0x61) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'body too large' });
  });

  it('does not linger for a body declared larger than twice the limit: answered, then closed at once', async () => {
    const { port } = await start();
    const r = await writeAllThenRead(port, `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`, Buffer.alloc(10));
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toMatch(/connection: close/i);
  });

  it('closes a lingering connection whose body never ends once LINGER_MS passes (virtual)', async () => {
    const { port, clock } = await start();
    let closed = false;
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(`POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc`));
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => (closed = true));
    for (let i = 0; i < 50 && (clock.pending === 0 || text === ''); i++) await settle();
    expect(text).toMatch(/^HTTP\/1\.1 404 /);
    await clock.advance(LINGER_MS - 1);
    await settle();
    expect(closed).toBe(false);
    await clock.advance(1);
    for (let i = 0; i < 50 && !closed; i++) await settle();
    expect(closed).toBe(true);
  });
});
