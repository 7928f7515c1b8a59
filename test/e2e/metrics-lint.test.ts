/**
 * `/metrics` of a running bot read by Prometheus' own linter (`promtool check metrics`, Debian's
 * `prometheus` package): every series a scraper will see (the core's, the store's, the leader's,
 * the watcher's and Node's process series) in valid exposition format, with HELP and units as Prometheus expects.
 * Skipped, saying so, where promtool is not installed (.ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, killStarted, MAIN, startProgram, testEnv, until } from '../support/spawn.js';

const PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!PROMTOOL) console.warn('promtool is not installed (apt-get install prometheus): /metrics lint skipped');

afterEach(killStarted);

describe.skipIf(!PROMTOOL)('/metrics under promtool', () => {
  it('lints clean after checks ran, with the NOC leading', async () => {
    const p = startProgram(MAIN, { env: testEnv({ NOC_INTERVAL: '2s', NOC_ROUND_MIN: '1s' }), keepOpen: true });
    await p.waitFor('Ping API answered /health: ready', 'stderr', 60_000);
    const port = Number((jsonLines(p.stderr()) as Record<string, unknown>[]).find((l) => String(l.msg).startsWith('http server listening'))?.port);
    p.write('/ping 1001\n/ping 1003\n');
    await p.waitFor('Ana Morales · 1001: ✅ Stable connection', 'stdout', 60_000);
    await p.waitFor('Luz Dary Castro · 1003: 🔴 No internet', 'stdout', 60_000);
    // The watcher's series appear once this lone process leads.
    const text = await until(async () => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^pingops_leader 1$/m.test(body) && body;
    }, '/metrics saying this replica leads', 60_000);
    expect(text).toContain('pingops_checks_total{verdict="stable"} 1\n');
    expect(text).toMatch(/^pingops_noc_/m);
    expect(text).toContain('pingops_chat_final_edits_waiting{surface="shell",where="store"} 0\n');
    // Node's own series, for the memory and lag an operator watches.
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);

    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect({ status: lint.status, out: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({ status: 0, out: '' });
    p.endInput();
    expect(await p.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
