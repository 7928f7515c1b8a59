/**
 * The one request-body reader of the HTTP server, for every route that takes a body: bounded
 * in size before and while reading, and in time. Unauthenticated input (an unsigned POST to
 * /slack/events) is bounded before anything else looks at it; signatures are then verified
 * on the bounded bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../util/clock.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';

/** Largest body accepted on any route (Slack's own payloads are a few KB). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest a body may take to arrive once the headers are in. */
export const BODY_TIMEOUT_MS = 10_000;

export type BodyRead =
  | { ok: true; body: Buffer }
  | { ok: false; status: 400 | 408 | 413; reason: 'bad_length' | 'too_large' | 'too_slow' | 'aborted' };

/** What the Content-Length header alone says, before a byte is read. */
export function checkContentLength(header: string | undefined, maxBytes: number): 'ok' | 'too_large' | 'bad_length' {
  if (header === undefined) return 'ok'; // chunked, or no body: capped while streaming
  if (!/^\d{1,16}$/.test(header.trim())) return 'bad_length';
  return Number(header.trim()) > maxBytes ? 'too_large' : 'ok';
}

/** Whether a request carries a body that must be read (POST, PUT, PATCH, or any request saying it has one). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') return true;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads the whole body within `maxBytes` and `timeoutMs`; never throws. */
export function readBody(req: IncomingMessage, o: { maxBytes: number; timeoutMs: number; clock: Clock }): Promise<BodyRead> {
  const verdict = checkContentLength(req.headers['content-length'], o.maxBytes);
  if (verdict === 'too_large') return Promise.resolve({ ok: false, status: 413, reason: 'too_large' });
  if (verdict === 'bad_length') return Promise.resolve({ ok: false, status: 400, reason: 'bad_length' });
  return new Promise<BodyRead>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const timer = new AbortController();
    const finish = (r: BodyRead) => {
      if (settled) return;
      settled = true;
      timer.abort(NO_LONGER_NEEDED);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      // Stop taking bytes we will not use until the caller has answered (then it lingers).
      if (!r.ok) req.pause();
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > o.maxBytes) return finish({ ok: false, status: 413, reason: 'too_large' });
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, status: 400, reason: 'aborted' });
    const onClose = () => finish({ ok: false, status: 400, reason: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    o.clock.sleep(o.timeoutMs, timer.signal).then(
      () => finish({ ok: false, status: 408, reason: 'too_slow' }),
      () => {},
    );
  });
}

/** Longest a refused request's remaining body is read and discarded after the answer (nginx's lingering_time is 30 s). */
export const LINGER_MS = 5_000;

/**
 * After a refusal (401, 404, 413, 408…) of a request whose body was not read: the answer is
 * sent, then the rest of the body is read and thrown away, for at most `lingerMs` and
 * `maxBytes`, before the connection closes. Closing at once while the sender is still writing
 * makes the kernel reset the connection, and a reset can discard our answer before the sender
 * reads it: it would see ECONNRESET or EPIPE, not the 413 it can act on (nginx's lingering
 * close). A body declared larger than `maxBytes` is not waited for: its sender is answered
 * and the connection closed at once, so no one can make us read much.
 */
export function answerThenLinger(
  req: IncomingMessage,
  res: ServerResponse,
  answer: () => void,
  o: { maxBytes: number; lingerMs: number; clock: Clock },
): void {
  const socket = req.socket;
  const declared = req.headers['content-length'];
  if (declared !== undefined && checkContentLength(declared, o.maxBytes) !== 'ok') {
    res.setHeader('connection', 'close');
    answer();
    res.on('finish', () => socket.destroySoon());
    return;
  }
  // No `Connection: close`: Node would then close the socket the moment the answer is out.
  const stop = new AbortController();
  let discarded = 0;
  let answered = false;
  let bodyDone = req.complete;
  const closeWhenDone = () => {
    if (!answered || !bodyDone || stop.signal.aborted) return;
    stop.abort();
    socket.end(); // everything the sender wrote is read: a plain FIN, no reset
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > o.maxBytes && !stop.signal.aborted) {
      stop.abort();
      socket.destroy();
    }
  };
  // Counted on the request, not the socket: a 'data' listener on the socket would take it
  // from Node's HTTP parser, which then never reads again once it paused for back-pressure.
  req.removeAllListeners('data');
  req.on('data', onData);
  req.resume();
  socket.once('close', () => stop.abort());
  req.once('end', () => {
    bodyDone = true;
    closeWhenDone();
  });
  res.once('finish', () => {
    answered = true;
    closeWhenDone();
  });
  answer();
  o.clock.sleep(o.lingerMs, stop.signal).then(
    () => {
      stop.abort();
      socket.destroy();
    },
    () => {},
  );
}
