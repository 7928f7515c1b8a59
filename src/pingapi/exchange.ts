import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Reads one response header, case-insensitively. */
export interface HeaderReader {
  get(name: string): string | null;
  /** Every header, names in lower case (a header sent twice is joined with ", "). */
  entries(): [string, string][];
}

/** What one HTTP exchange returned: the status, the headers and the whole body as text. */
export interface RawAnswer {
  status: number;
  headers: HeaderReader;
  text: string;
}

export interface ExchangeRequest {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The caller's signal: aborting rejects with its reason. */
  signal?: AbortSignal;
  /** The whole exchange, connection to last byte. */
  timeoutMs: number;
}

/** Why an exchange failed without an answer. */
export type ExchangeFailure = { kind: 'timeout' } | { kind: 'network'; code: string } | { kind: 'aborted'; reason: unknown };

/** Sends one request, never following redirects; rejects with an ExchangeError. */
export type Exchange = (url: URL, req: ExchangeRequest) => Promise<RawAnswer>;

/** A failed exchange; `failure` says which way. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
  constructor(readonly failure: ExchangeFailure) {
    super(failure.kind);
  }
}

/** Bodies larger than this are cut off as a network fault: no Ping API answer is that big. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** An error code safe to show (`ECONNREFUSED`), never a message that might carry the URL. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'connection failed';
}

/**
 * node:http with keep-alive, sized to the transport's concurrency. Lighter than fetch for
 * thousands of small JSON exchanges (no WHATWG streams, no AbortController per request),
 * which keeps the event loop responsive and memory flat under load.
 */
export function createExchange(maxSockets: number): Exchange {
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
  };
  return (url, { method, headers, body, signal, timeoutMs }) =>
    new Promise<RawAnswer>((resolve, reject) => {
      if (signal?.aborted) return reject(new ExchangeError({ kind: 'aborted', reason: signal.reason }));
      const https = url.protocol === 'https:';
      const outHeaders: Record<string, string | number> = { ...headers };
      if (body !== undefined) outHeaders['content-length'] = Buffer.byteLength(body);
      let settled = false;
      const fail = (failure: ExchangeFailure) => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        reject(new ExchangeError(failure));
      };
      const onAbort = () => fail({ kind: 'aborted', reason: signal?.reason });
      const timer = setTimeout(() => fail({ kind: 'timeout' }), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const req = (https ? httpsRequest : httpRequest)(url, { method, headers: outHeaders, agent: https ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) return fail({ kind: 'network', code: 'EMSGSIZE' });
          chunks.push(chunk);
        });
        res.on('error', (err) => fail({ kind: 'network', code: codeOf(err) }));
        res.on('aborted', () => fail({ kind: 'network', code: 'ECONNRESET' }));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          // Most answers arrive in one chunk: no concatenated copy for those.
          const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: headerReader(res.headers), text });
        });
      });
      req.on('error', (err) => fail({ kind: 'network', code: codeOf(err) }));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
}

function headerReader(raw: IncomingHttpHeaders): HeaderReader {
  const join = (v: string | string[]) => (Array.isArray(v) ? v.join(', ') : v);
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : join(v);
    },
    entries() {
      return Object.entries(raw).flatMap(([name, v]) => (v === undefined ? [] : [[name, join(v)] as [string, string]]));
    },
  };
}
