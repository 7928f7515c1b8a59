import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/logger.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The one HTTP server on PORT: health, readiness, and whatever surfaces mount (Slack events). */
export interface HttpServer {
  /** Routes every request whose path starts with `prefix` to `handler`. */
  mount(prefix: string, handler: RequestHandler): void;
  /** Marks the process ready (`/readyz` answers 200) or not. */
  setReady(ready: boolean): void;
  /** Marks the process as draining: `/readyz` answers 503 and mounted routes refuse new work. */
  setDraining(): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Builds the HTTP server; it listens only when asked. */
export function createHttpServer(logger: Logger): HttpServer {
  const mounts: { prefix: string; handler: RequestHandler }[] = [];
  let ready = false;
  let draining = false;

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
      const ok = ready && !draining;
      return json(res, ok ? 200 : 503, { status: ok ? 'ready' : draining ? 'draining' : 'waiting for the Ping API' });
    }
    const mount = mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (mount) {
      if (draining) return json(res, 503, { error: 'shutting down' });
      try {
        return mount.handler(req, res);
      } catch (err) {
        logger.error({ err, path }, 'http handler failed');
        if (!res.headersSent) return json(res, 500, { error: 'internal error' });
        return res.end();
      }
    }
    return json(res, 404, { error: 'not found' });
  });
  server.on('clientError', (err, socket) => {
    logger.debug({ err: err.message }, 'http client error');
    socket.destroy();
  });

  return {
    mount(prefix, handler) {
      mounts.push({ prefix, handler });
    },
    setReady(r) {
      ready = r;
    },
    setDraining() {
      draining = true;
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
