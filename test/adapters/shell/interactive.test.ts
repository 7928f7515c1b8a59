import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runShell } from '../../../src/adapters/shell/shell.js';
import { createCore, type Core } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

/** A terminal-like sink: remembers everything written, reports a width. */
class FakeTerminal extends Writable {
  written = '';
  columns = 60;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.written += chunk.toString('utf8');
    cb();
  }
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

describe('the shell on a terminal', () => {
  it('shows a prompt, a live status line cut to the width, and the final card', async () => {
    const config = loadConfig({ SIM_SPEED: '50', PING_INITIAL_DELAY_MS: '0', LOCALE: 'en', PINGOPS_DB: ':memory:' });
    core = await createCore(config, silentLogger);
    const input = new PassThrough();
    const term = new FakeTerminal();
    const shell = runShell(
      { config, checker: core.service, directory: core.directory, store: core.db.checks, logger: silentLogger, clock: systemClock },
      { input, output: term, interactive: true },
    );
    input.write('/ping 1001\r');
    for (let i = 0; i < 200 && !plain(term.written).includes('Stable connection'); i++) await new Promise((r) => setTimeout(r, 25));
    input.end();
    await shell.finished;

    const text = plain(term.written);
    expect(text).toContain('pingops> ');
    expect(text).toMatch(/\[Ana Morales · 1001\] (Creating|Task created|Waiting for the verdict)/);
    expect(text).toContain('Ana Morales · 1001: ✅ Stable connection');
    // Status lines are cut to the terminal's width so redrawing them never wraps.
    for (const line of text.split(/\r|\n/).filter((l) => l.startsWith('[Ana Morales'))) expect([...line].length).toBeLessThanOrEqual(59);
    // The live lines are wiped in place (cursor up, clear line) rather than scrolled.
    expect(term.written).toContain('\x1b[1A');
  });
});
