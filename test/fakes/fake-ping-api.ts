import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../support/read-body.js';

/** One request as the fake saw it on the wire. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, still URL-encoded as sent. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case, as Node delivers them. */
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake answers. An object body is sent as JSON; a string body as is. */
export interface FakeResponse {
  status: number;
  body?: string | object | null;
  headers?: Record<string, string>;
  /** Waits this long before answering (to provoke client timeouts). */
  delayMs?: number;
  /** Destroys the socket instead of answering (a network fault). */
  drop?: boolean;
}

/** A fixed answer, or a function computing one from the request. */
export type Responder = FakeResponse | ((req: RecordedRequest) => FakeResponse | Promise<FakeResponse>);

/** A programmable Ping API (or any JSON API) on 127.0.0.1. */
export interface FakePingApi {
  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** Every request received since start or the last reset, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Answers `method` requests whose path matches; the most recently added matching route wins. */
  route(method: string, path: RegExp | string, responder: Responder): void;
  /** Answers each matching request with the next response in turn; the last one repeats. */
  routeSequence(method: string, path: RegExp | string, ...responses: Responder[]): void;
  /** The recorded requests matching a method and path. */
  requestsTo(method: string, path: RegExp | string): RecordedRequest[];
  /** Forgets routes and recorded requests. */
  reset(): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: RegExp | string;
  next: (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;
}

const matches = (path: RegExp | string, actual: string): boolean =>
  typeof path === 'string' ? path === actual : path.test(actual);

/** Reads `test/fixtures/<name>` as parsed JSON, for bodies. */
export function fixture(name: string): object {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as object;
}

/** Starts a fake on 127.0.0.1 on a free port. Unrouted requests answer 404 `{"detail":"Not Found"}`. */
export async function startFakePingApi(): Promise<FakePingApi> {
  let routes: Route[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, r: FakeResponse) => {
    if (res.destroyed) return;
    if (r.drop) {
      res.socket?.destroy();
      return;
    }
    const headers: Record<string, string> = { ...r.headers };
    let payload = '';
    if (typeof r.body === 'string') {
      payload = r.body;
    } else if (r.body !== undefined) {
      payload = JSON.stringify(r.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: await readBody(req),
    };
    requests.push(recorded);
    const route = [...routes].reverse().find((r) => r.method === recorded.method && matches(r.path, recorded.path));
    const r: FakeResponse = route ? await route.next(recorded) : { status: 404, body: { detail: 'Not Found' } };
    if (r.delayMs && r.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(res, r);
      }, r.delayMs);
      timers.add(timer);
    } else {
      answer(res, r);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) answer(res, { status: 500, body: { detail: `fake failed: ${String(err)}` } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const resolve = (responder: Responder, req: RecordedRequest) =>
    typeof responder === 'function' ? responder(req) : responder;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route(method, path, responder) {
      routes.push({ method: method.toUpperCase(), path, next: (req) => resolve(responder, req) });
    },
    routeSequence(method, path, ...responses) {
      if (responses.length === 0) throw new Error('routeSequence needs at least one response');
      let i = 0;
      routes.push({
        method: method.toUpperCase(),
        path,
        next: (req) => {
          const responder = responses[Math.min(i, responses.length - 1)] as Responder;
          i++;
          return resolve(responder, req);
        },
      });
    },
    requestsTo(method, path) {
      return requests.filter((r) => r.method === method.toUpperCase() && matches(path, r.path));
    },
    reset() {
      routes = [];
      requests.length = 0;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
