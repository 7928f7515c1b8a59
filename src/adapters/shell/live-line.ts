/**
 * One status line redrawn in place at the bottom of a terminal (`pingops check`'s progress),
 * and the logger's stream onto that same terminal. A log line first wipes the status line,
 * goes on a line of its own, and the status line is drawn again under it: written side by side,
 * a warning went on the end of the status line (`…7.0 s so far{"level":40,…}`).
 */
export interface LiveLine {
  /** Draws `text` in place of the status line shown now. */
  show(text: string): void;
  /** Wipes the status line; nothing is redrawn after later log lines. */
  clear(): void;
  /** The logger's destination (pino writes whole lines to any object with `write`). */
  readonly log: { write(chunk: string): void };
}

const WIPE = '\r\x1b[2K';

export function createLiveLine(out: { write(chunk: string): unknown }): LiveLine {
  let shown: string | null = null;
  return {
    show(text) {
      shown = text;
      out.write(`${WIPE}${text}`);
    },
    clear() {
      if (shown !== null) out.write(WIPE);
      shown = null;
    },
    log: {
      write(chunk) {
        const line = chunk.endsWith('\n') ? chunk : `${chunk}\n`;
        out.write(shown === null ? line : `${WIPE}${line}${shown}`);
      },
    },
  };
}
