import { describe, expect, it } from 'vitest';
import { createLiveLine } from '../../../src/adapters/shell/live-line.js';
import { createLogger } from '../../../src/util/logger.js';

/** What a terminal shows: `\r` + erase-line starts the line over, `\n` ends it. */
function screen(written: string): string[] {
  const lines: string[] = [];
  let current = '';
  // eslint-disable-next-line no-control-regex
  for (const part of written.split(/(\r\x1b\[2K|\n)/)) {
    if (part === '\n') {
      lines.push(current);
      current = '';
    } else if (part === '\r\x1b[2K') current = '';
    else current += part;
  }
  if (current) lines.push(current);
  return lines;
}

describe('the live status line and the logs on one terminal (issue 18)', () => {
  it('a warning logged while the status line shows goes on a line of its own, and the status line is drawn again under it', () => {
    let written = '';
    const live = createLiveLine({ write: (s: string) => void (written += s) });
    const logger = createLogger('warn', live.log);
    live.show('[Ana Morales · 1001] Waiting for the verdict · 7.0 s so far');
    logger.warn({ serviceId: 1001 }, 'ping api fault, retrying');
    live.show('[Ana Morales · 1001] Waiting for the verdict · 8.0 s so far');
    logger.warn('second');
    live.clear();
    logger.warn('after');

    const lines = screen(written);
    for (const line of lines) expect(line.includes('so far') && line.includes('{"level"'), line).toBe(false);
    const logLines = lines.filter((l) => l.startsWith('{"level":40'));
    expect(logLines).toHaveLength(3);
    for (const l of logLines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    // The status line is back after each log line until cleared, and gone after clear().
    expect(lines.at(-1)).toMatch(/^\{"level":40.*"msg":"after"\}$/);
    expect(written.endsWith('\n')).toBe(true);
    expect(written).toContain('"msg":"second"}\n[Ana Morales · 1001] Waiting for the verdict · 8.0 s so far');
  });
});
