import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createTurnQueue } from '../util/turn-queue.js';
import { answerThenLinger, BODY_TIMEOUT_MS, hasBody, LINGER_MS, MAX_BODY_BYTES, readBody } from './body.js';
import type { StoreHealth } from '../store/ports.js';

/**
 * A mounted route's handler. For a request with a body, the server has already read it,
 * bounded, into `req.rawBody` (the field Bolt's receivers read instead of the stream).
 */
export type RequestHandler = (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  clock?: Clock;
  /** Largest body accepted (default 1 MB): 413 before reading when Content-Length says more, or once more arrived. */
  maxBodyBytes?: number;
  /** Longest a body may take to arrive (default 10 s): 408 and the connection is closed. */
  bodyTimeoutMs?: number;
  /** How long one event-loop turn may keep starting mounted handlers (default 5 ms; util/turn-queue). */
  handlerSliceMs?: number;
}

/** How a mounted route bounds and guards its requests before any byte of the body is read. */
export interface MountOptions {
  /** Largest body this route takes (default: the server's). */
  maxBodyBytes?: number;
  /**
   * Decides from the headers alone whether to read the body at all: an answer other than
   * `ok` is sent as is (e.g. 401), so an unauthenticated sender cannot make us read anything.
   */
  gate?: (req: IncomingMessage) => { ok: true } | { ok: false; status: number; error: string };
  /**
   * Still takes requests while the process drains, for as long as this says so. A route whose
   * requests are kept in the store (handed over to the next start or another replica) answers
   * better than a 503: Slack shows the person an error for a refused slash command and never
   * sends it again.
   */
  takesWhileDraining?: () => boolean;
}

/** The one HTTP server on PORT: health, readiness, and whatever surfaces mount (Slack events, hooks). */
export interface HttpServer {
  /** Routes every request whose path starts with `prefix` to `handler`. */
  mount(prefix: string, handler: RequestHandler, opts?: MountOptions): void;
  /** Marks the process ready (`/readyz` answers 200) or not. */
  setReady(ready: boolean): void;
  /** Marks the process as draining: `/readyz` answers 503 and mounted routes refuse new work (unless `takesWhileDraining`). */
  setDraining(): void;
  /**
   * Makes `/readyz` tell the store's health: 503 while the store is degraded (its writes are
   * lost at the next restart, so a load balancer should send work to a replica whose store
   * works), and the last fault it survived. `/healthz` stays 200: restarting the process would
   * lose the checks it holds in memory.
   */
  watchStore(health: () => StoreHealth): void;
  /**
   * Makes `/readyz` say this replica's role (`leader` or `standby`). A standby is ready: it
   * answers chat, buttons and hooks; only the leader sweeps and posts NOC events.
   */
  watchRole(role: () => 'leader' | 'standby'): void;
  /**
   * Makes `/readyz` say, under `leases`, whether this replica holds the named lease (`leader`)
   * or not (`standby`): `noc`, and `discord-gateway` (the one Discord gateway session).
   */
  watchLease(name: string, role: () => 'leader' | 'standby'): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Builds the HTTP server; it listens only when asked. */
export function createHttpServer(logger: Logger, opts: HttpServerOptions = {}): HttpServer {
  const mounts: { prefix: string; handler: RequestHandler; opts: MountOptions }[] = [];
  const clock = opts.clock ?? systemClock;
  const maxBytes = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  let ready = false;
  let draining = false;
  let storeHealth: (() => StoreHealth) | null = null;
  let roleOf: (() => 'leader' | 'standby') | null = null;
  const leases = new Map<string, () => 'leader' | 'standby'>();
  const handlers = createTurnQueue({ sliceMs: opts.handlerSliceMs });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return json(res, 200, { status: 'ok' });
    }
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const store = storeHealth?.() ?? null;
      const degraded = store?.state === 'degraded';
      const ok = ready && !draining && !degraded;
      const status = ok ? 'ready' : draining ? 'draining' : degraded ? 'store degraded' : 'waiting for the Ping API';
      // The store is named only when it has something to say, so a plain "ready" stays plain.
      const said = store && (store.state !== 'ok' || store.lastFault) ? { store } : {};
      const held = leases.size > 0 ? { leases: Object.fromEntries([...leases].map(([name, role]) => [name, role()])) } : {};
      return json(res, ok ? 200 : 503, { status, ...(roleOf ? { role: roleOf() } : {}), ...held, ...said });
    }
    const mount = mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (!mount) return refuse(req, res, 404, { error: 'not found' });
    if (draining && !mount.opts.takesWhileDraining?.()) return refuse(req, res, 503, { error: 'shutting down' });
    const run = (body?: Buffer) => {
      if (body) Object.assign(req, { rawBody: body });
      const failed = (err: unknown) => {
        logger.error({ err, path }, 'http handler failed');
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.end();
      };
      // A burst of requests (fifty Slack commands at once) is read where it arrives and handled in
      // slices of later turns, so the timers due meanwhile run between two (util/turn-queue).
      handlers.push(() => {
        try {
          mount.handler(req, res)?.catch(failed);
        } catch (err) {
          failed(err);
        }
      });
    };
    const gate = mount.opts.gate?.(req) ?? { ok: true };
    if (!gate.ok) {
      logger.warn({ path, status: gate.status }, 'request refused before its body was read');
      return refuse(req, res, gate.status, { error: gate.error });
    }
    if (!hasBody(req)) return run();
    void readBody(req, { maxBytes: mount.opts.maxBodyBytes ?? maxBytes, timeoutMs: bodyTimeoutMs, clock }).then((read) => {
      if (read.ok) return run(read.body);
      logger.warn({ path, status: read.status, reason: read.reason, contentLength: req.headers['content-length'] ?? null }, 'request body refused');
      refuse(req, res, read.status, { error: read.reason === 'too_large' ? 'body too large' : read.reason === 'too_slow' ? 'body too slow' : 'bad body' });
    });
  });
  // Whatever a route does, no request may hold its socket longer than this.
  server.requestTimeout = bodyTimeoutMs + 5000;

  /**
   * Answers without having read the body: the answer first, then the rest of the body is
   * discarded within bounds (twice the route's own limit, LINGER_MS) so the sender can read
   * the answer instead of a reset connection.
   */
  function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    if (!hasBody(req)) return json(res, status, body);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const limit = mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`))?.opts.maxBodyBytes ?? maxBytes;
    answerThenLinger(req, res, () => json(res, status, body), { maxBytes: 2 * limit, lingerMs: LINGER_MS, clock });
  }
  server.on('clientError', (err, socket) => {
    logger.debug({ err: err.message }, 'http client error');
    socket.destroy();
  });

  return {
    mount(prefix, handler, mountOpts = {}) {
      mounts.push({ prefix, handler, opts: mountOpts });
    },
    setReady(r) {
      ready = r;
    },
    setDraining() {
      draining = true;
    },
    watchStore(health) {
      storeHealth = health;
    },
    watchRole(role) {
      roleOf = role;
    },
    watchLease(name, role) {
      leases.set(name, role);
    },
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
