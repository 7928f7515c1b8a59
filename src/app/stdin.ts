import { fstatSync } from 'node:fs';
import type { Config } from '../config.js';

/** `PINGOPS_SHELL`: `auto` decides from standard input; `on` and `off` force it. */
export type ShellSetting = Config['shell'];

/** What standard input is: a person's terminal, input piped or redirected from a file, or nothing to read. */
export type InputKind = 'terminal' | 'piped' | 'none';

/**
 * How the bot without a chat token runs: the shell for a person at a terminal (`interactive`), the
 * shell on piped input until it ends (`piped`), or a service (HTTP, NOC, hooks) until a signal.
 */
export type RunMode = 'interactive' | 'piped' | 'service';

/**
 * The decision, pure. `/dev/null` (systemd, `docker run` without `-i`, a background job) has
 * nothing to read: a shell there would end at once and take the NOC with it.
 */
export function runModeFor(opts: { chat: boolean; setting: ShellSetting; input: InputKind; outputIsTerminal: boolean }): RunMode {
  if (opts.chat || opts.setting === 'off') return 'service';
  if (opts.input === 'terminal' && opts.outputIsTerminal) return 'interactive';
  if (opts.setting === 'on' || opts.input !== 'none') return 'piped';
  return 'service';
}

/** Reads what file descriptor 0 is. A character device that is not a terminal is `/dev/null` or alike. */
export function inputKind(stdin: { isTTY?: boolean }): InputKind {
  if (stdin.isTTY) return 'terminal';
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile() || st.isSocket() ? 'piped' : 'none';
  } catch {
    // No descriptor 0 at all (closed by the parent).
    return 'none';
  }
}
