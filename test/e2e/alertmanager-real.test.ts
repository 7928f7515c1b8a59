/**
 * The hooks against a real Alertmanager (Debian's prometheus-alertmanager) on loopback: a group
 * of several hundred client alerts, fired through its API, arrives whole at /hooks/alertmanager.
 * Skipped, saying so, where the binary is not installed (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountHooks } from '../../src/http/hooks.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import type { IntakeAlert } from '../../src/noc/intake.js';
import { Secret } from '../../src/util/secret.js';
import { captureLogs } from '../support/log-capture.js';

const TOKEN = 'am-real-token-5c2e';
const BINARY = ['prometheus-alertmanager', 'alertmanager'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
const ALERTS = 400;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A port free on loopback right now (Alertmanager needs one before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it is true; fails with `what` after `ms` (this test waits on a real process). */
async function until(probe: () => Promise<boolean> | boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a real Alertmanager on loopback', () => {
  it.skipIf(BINARY === null)(
    `delivers a group of ${ALERTS} client alerts (one notification, ~180 KB) whole to /hooks/alertmanager${BINARY === null ? ' [SKIPPED: prometheus-alertmanager is not installed; apt-get install -y prometheus-alertmanager]' : ''}`,
    async () => {
      const logs = captureLogs();
      const http: HttpServer = createHttpServer(logs.logger);
      cleanups.push(() => http.close());
      const received: IntakeAlert[][] = [];
      mountHooks(http, { token: new Secret(TOKEN), clientLabel: 'service_id', logger: logs.logger, sink: { accept: async (a) => void received.push([...a]) } });
      const hookPort = await http.listen(0, '127.0.0.1');

      const dir = mkdtempSync(join(tmpdir(), 'pingops-am-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(
        join(dir, 'alertmanager.yml'),
        [
          'route:',
          '  receiver: pingops',
          "  group_by: ['alertname']",
          '  group_wait: 1s',
          '  group_interval: 5m',
          '  repeat_interval: 4h',
          'receivers:',
          '  - name: pingops',
          '    webhook_configs:',
          `      - url: http://127.0.0.1:${hookPort}/hooks/alertmanager`,
          '        send_resolved: true',
          '        http_config:',
          '          authorization:',
          '            type: Bearer',
          `            credentials: ${TOKEN}`,
          '',
        ].join('\n'),
      );
      const amPort = await freePort();
      const am: ChildProcess = spawn(
        BINARY as string,
        [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let amLog = '';
      am.stderr?.on('data', (d: Buffer) => (amLog = (amLog + d.toString()).slice(-4000)));
      cleanups.push(() => void am.kill('SIGKILL'));
      const am_ = `http://127.0.0.1:${amPort}`;
      await until(async () => (await fetch(`${am_}/-/ready`).catch(() => null))?.ok === true, `Alertmanager ready (${amLog})`, 20_000);

      const startsAt = new Date().toISOString();
      const alerts = Array.from({ length: ALERTS }, (_, i) => ({
        labels: { alertname: 'ClientLinkDown', severity: 'page', job: 'blackbox-icmp', instance: `10.20.${i >> 8}.${i & 255}`, router: `RB-${i % 4}`, service_id: String(10_000 + i) },
        annotations: { summary: `CPE 10.20.${i >> 8}.${i & 255} does not answer ICMP`, description: 'probe_success == 0 for 2m' },
        startsAt,
      }));
      const fired = await fetch(`${am_}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(fired.status).toBe(200);

      await until(() => new Set(received.flat().map((a) => a.target)).size >= ALERTS, `all ${ALERTS} alerts at the hook (Alertmanager says: ${amLog})`, 30_000);
      expect(new Set(received.flat().map((a) => a.target))).toEqual(new Set(alerts.map((a) => a.labels.service_id)));
      expect(received.flat().every((a) => a.status === 'firing' && a.title === 'ClientLinkDown')).toBe(true);
      // Nothing refused on the way: no 4xx that Alertmanager would have dropped the group on.
      expect(logs.records().filter((l) => l.msg === 'hook payload refused' || l.msg === 'request body refused')).toEqual([]);
    },
    60_000,
  );
});
