import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { SurfaceDeps } from '../../chat/surface.js';
import { followCheck, prepareCheck } from '../../chat/ping-flow.js';
import type { CheckHandle } from '../../core/ping-service.types.js';
import { helpText } from '../../present/render.js';
import type { View } from '../../present/view.js';
import { finalCard, sanitizeTerminal, statusLine } from './terminal.js';

export interface ShellOptions {
  input: Readable;
  output: Writable;
  /** A terminal: redraw the status line in place, use colour, show a prompt. */
  interactive: boolean;
}

/** The local REPL that behaves like a chat channel; resolves when input ended and checks finished. */
export function runShell(deps: Pick<SurfaceDeps, 'checker' | 'directory' | 'logger' | 'config' | 'clock'>, opts: ShellOptions) {
  const { output, interactive } = opts;
  const locale = deps.config.locale;
  const log = deps.logger.child({ surface: 'shell' });
  // Keyed per request, not per service: two pings of one client are two lines to cancel and redraw.
  const running = new Map<number, { handle: CheckHandle; view: View | null }>();
  const pending = new Set<Promise<void>>();
  let nextId = 0;
  let closed = false;
  // Set by /quit or a signal: lines already buffered are dropped and no new check starts.
  let stopping = false;

  // On a terminal the screen ends with one status line per running check, then the prompt;
  // every repaint wipes those lines, prints what is new above them, and draws them again.
  let liveLines = 0;
  const wipe = () => {
    if (!interactive) return;
    output.write('\r\x1b[2K');
    for (; liveLines > 0; liveLines--) output.write('\x1b[1A\r\x1b[2K');
  };
  const repaint = (printed?: string) => {
    if (!interactive) {
      if (printed !== undefined) output.write(`${printed}\n`);
      return;
    }
    wipe();
    if (printed !== undefined) output.write(`${printed}\n`);
    const width = Math.max(20, ((output as { columns?: number }).columns ?? 80) - 1);
    for (const r of running.values()) {
      if (!r.view) continue;
      output.write(`${statusLine(r.view, true, width)}\n`);
      liveLines++;
    }
    if (!closed) rl.prompt(true);
  };
  const say = (text: string) => repaint(text);
  const prompt = () => {
    if (interactive && !closed) rl.prompt(true);
  };

  const ping = async (text: string) => {
    const prepared = await prepareCheck(text, deps, locale);
    if (!prepared.ok) {
      log.info({ reason: prepared.reason }, 'ping refused');
      // Refusals quote client names from the API (the ambiguous list): no escape sequences to the terminal.
      return say(sanitizeTerminal(prepared.message));
    }
    // The client look-up may have outlived a /quit typed meanwhile: starting the check now would hold the exit.
    if (stopping) return;
    const handle = deps.checker.check(prepared.serviceId, {
      priority: 'interactive',
      ...(prepared.packets ? { packets: prepared.packets } : {}),
    });
    const entry = { handle, view: null as View | null };
    const id = nextId++;
    running.set(id, entry);
    let lastLine = '';
    const done = await followCheck(handle, prepared.client, locale, (view) => {
      entry.view = view;
      if (view.final) return;
      if (interactive) return repaint();
      const line = statusLine(view, false);
      if (line !== lastLine) say(line);
      lastLine = line;
    });
    running.delete(id);
    log.info({ serviceId: done.serviceId, taskId: done.taskId, verdict: done.verdict, polls: done.polls, elapsedMs: done.elapsedMs }, 'check finished');
    if (entry.view) say(finalCard(entry.view, interactive));
  };

  const track = (p: Promise<void>) => {
    const tracked = p.catch((err: unknown) => {
      log.error({ err }, 'shell command failed');
      say('Something went wrong running that command; see the log.');
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  const rl = createInterface({ input: opts.input, ...(interactive ? { output } : {}), terminal: interactive, historySize: 100 });
  rl.setPrompt('pingops> ');

  const stop = () => {
    stopping = true;
    for (const r of running.values()) r.handle.cancel();
    rl.close();
  };

  const finished = new Promise<void>((resolve) => {
    rl.on('line', (raw) => {
      if (interactive && liveLines > 0) {
        // Enter moved below the echoed command; lift it above the status lines it was typed under.
        output.write(`\x1b[${liveLines + 1}A\r\x1b[J${rl.getPrompt()}${raw}\n`);
        liveLines = 0;
      }
      // readline still emits the rest of a pasted or piped chunk after close().
      if (stopping) return;
      const line = raw.trim();
      const [word = '', ...rest] = line.split(/\s+/);
      const args = rest.join(' ');
      switch (word.toLowerCase()) {
        case '':
          break;
        case '/ping':
        case 'ping':
          track(ping(args));
          break;
        case '/help':
        case 'help':
          say(helpText(locale, { buttons: false }));
          break;
        case '/quit':
        case '/exit':
        case 'quit':
        case 'exit':
          stop();
          return;
        default:
          say(locale === 'es' ? `Comando desconocido: usa /ping <cliente> o /help.` : `Unknown command: use /ping <client> or /help.`);
      }
      prompt();
    });
    // Ctrl+C at a terminal means stop now; Ctrl+D (end of input) lets the checks finish.
    rl.on('SIGINT', stop);
    rl.on('close', () => {
      closed = true;
      // End of input: let the checks in flight reach their verdicts, then leave.
      const drain = async () => {
        while (pending.size > 0) await Promise.all([...pending]);
        wipe();
        resolve();
      };
      void drain();
    });
  });

  if (interactive) say(locale === 'es' ? 'pingops: escribe /ping 1001, /help o /quit.' : 'pingops: type /ping 1001, /help or /quit.');
  return {
    finished,
    /** Ends input as Ctrl+D would: checks in flight still reach their verdicts. */
    close: () => rl.close(),
    /** Ends input as /quit does: checks in flight are cancelled and show a cancelled card. */
    stop,
    /** Prints a line from elsewhere (NOC incident events) above the live status lines. */
    notice: (text: string) => {
      if (!closed) say(sanitizeTerminal(`NOC ${text}`));
    },
  };
}
