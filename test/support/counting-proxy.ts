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
export async function startCountingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const to = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/' });
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

