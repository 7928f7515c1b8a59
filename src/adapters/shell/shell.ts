import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatPort } from '../../chat/port.js';
import type { SurfaceDeps } from '../../chat/surface.js';
import { helpText } from '../../present/render.js';
import type { View } from '../../present/view.js';
import { createTokenBucket } from '../../util/token-bucket.js';
import { finalCard, sanitizeTerminal, statusLine } from './terminal.js';

export interface ShellOptions {
  input: Readable;
  output: Writable;
  /** A terminal: redraw the status line in place (every second), use colour, show a prompt. */
  interactive: boolean;
}

/** The one person at the terminal (the assembly layer makes them an admin of their own checks). */
export const SHELL_PERSON_ID = 'local';
/** The one person at the terminal, and the one place. */
const LOCAL = { id: SHELL_PERSON_ID, channel: 'shell' } as const;

/**
 * The local REPL, on the conversation engine like the chat surfaces: a status line per running
 * check, the final card when it ends. Resolves `finished` when input ended and checks finished.
 */
export function runShell(deps: Pick<SurfaceDeps, 'conversations' | 'logger' | 'locale' | 'clock' | 'nocCommands'>, opts: ShellOptions) {
  const { output, interactive } = opts;
  const locale = deps.locale;
  const log = deps.logger.child({ surface: 'shell' });
  // Keyed per message, not per service: two pings of one client are two lines to redraw.
  const running = new Map<string, View>();
  const printed = new Map<string, string>();
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
  const repaint = (text?: string) => {
    if (!interactive) {
      if (text !== undefined) output.write(`${text}\n`);
      return;
    }
    wipe();
    if (text !== undefined) output.write(`${text}\n`);
    const width = Math.max(20, ((output as { columns?: number }).columns ?? 80) - 1);
    for (const view of running.values()) {
      output.write(`${statusLine(view, true, width)}\n`);
      liveLines++;
    }
    if (!closed) rl.prompt(true);
  };
  const say = (text: string) => repaint(text);
  const show = (id: string, view: View) => {
    if (view.final) {
      running.delete(id);
      printed.delete(id);
      return say(finalCard(view, interactive));
    }
    running.set(id, view);
    if (interactive) return repaint();
    const line = statusLine(view, false);
    if (printed.get(id) !== line) say(line);
    printed.set(id, line);
  };

  const port: ChatPort = {
    surface: 'shell',
    rootCards: false,
    buttons: false,
    editBudget: createTokenBucket({ perMinute: 1_000_000, burst: 10_000, clock: deps.clock }),
    minEditIntervalMs: interactive ? 250 : 0,
    async post(_place, m) {
      const id = `line-${nextId++}`;
      show(id, m.view);
      return id;
    },
    async edit(_place, id, m) {
      // A line whose final card is printed takes no more edits.
      if (running.has(id)) show(id, m.view);
      return undefined;
    },
    // The final card is the notice: nobody else is at this terminal to mention.
    async reply() {},
    async replyPrivately(_place, _person, text) {
      say(sanitizeTerminal(text));
    },
    postFailedText: () => 'Could not show the check.',
  };
  // Rules for one local person (no channel rules, no per-person limit) come with the factory.
  const engine = deps.conversations(port, { tickMs: interactive ? 1000 : 0 });
  // Checks of an earlier shell have no terminal any more: close them.
  void engine.resume();

  // Refusals quote client names from the API (the ambiguous list): no escape sequences to the terminal.
  const answer = async (text: string) => say(sanitizeTerminal(text));
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
    void engine.cancelAll(null);
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
      switch (word.toLowerCase()) {
        case '':
          break;
        case '/ping':
        case 'ping':
          track(engine.request({ text: rest.join(' '), person: { id: LOCAL.id, name: LOCAL.id, locale }, place: { channel: LOCAL.channel, thread: null }, answer }));
          break;
        case '/help':
        case 'help':
          say(helpText(locale, { buttons: false }));
          break;
        case '/noc':
        case 'noc': {
          // Whoever sits at the shell runs the machine (the CLI changes the same lists): an admin.
          const noc = deps.nocCommands;
          if (noc) track(noc.handle(rest.join(' '), { id: LOCAL.id, name: LOCAL.id, isAdmin: true }, 'shell').then(say));
          else say('The NOC is not available here.');
          break;
        }
        case '/quit':
        case '/exit':
        case 'quit':
        case 'exit':
          stop();
          return;
        default:
          say(locale === 'es' ? `Comando desconocido: usa /ping <cliente> o /help.` : `Unknown command: use /ping <client> or /help.`);
      }
      if (interactive && !closed) rl.prompt(true);
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
