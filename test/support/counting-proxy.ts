import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the upstream saw. */
export interface Seen {
  at: number;
  method: string;
  path: string;
}

/**
 * A loopback proxy in front of a fake upstream that notes every request it forwards, so a test
 * can count what the bot really sent (per minute, per route) without the upstream's help.
 */
export interface CountingProxy {
  url: string;
  seen: Seen[];
  /** Requests held back by `park` that have not been forwarded yet (their senders may be gone). */
  readonly parked: number;
  /** Stops parking: every parked request whose sender is still there goes on now. */
  unpark(): void;
  close(): Promise<void>;
}

/**
 * `park`: requests whose path it accepts are held (unanswered) until `unpark()`: an upstream
 * that does not answer yet, for as long as the test needs, without a timer.
 */
export async function startCountingProxy(target: string, opts: { park?: (path: string) => boolean } = {}): Promise<CountingProxy> {
  const to = new URL(target);
  const seen: Seen[] = [];
  let park = opts.park ?? null;
  const parked: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/' });
    if (park?.(req.url ?? '/')) {
      req.pause();
      parked.push(() => {
        if (!req.destroyed) forward(req, res);
      });
      return;
    }
    forward(req, res);
  });
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get parked() {
      return parked.length;
    },
    unpark() {
      park = null;
      for (const go of parked.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

