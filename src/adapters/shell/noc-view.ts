import type { Writable } from 'node:stream';
import { describeStatus } from '../../present/noc.js';
import type { WatcherStatus } from '../../noc/watcher.js';
import { sanitizeTerminal } from './terminal.js';

/** The live terminal view of `pingops noc`: status on top, the newest events below. */
export interface NocView {
  event(line: string): void;
  status(s: WatcherStatus): void;
  close(): void;
}

const EVENT_LINES = 14;

/**
 * On a terminal the screen is redrawn (at most once a second); elsewhere (a pipe, a log)
 * each event is one line and the plan is printed when it changes. Outside text (client and
 * router names) is stripped of control characters before it reaches the terminal.
 */
export function createNocView(output: Writable, interactive: boolean, now: () => number = Date.now): NocView {
  const events: string[] = [];
  let last: WatcherStatus | null = null;
  let lastSummary = '';
  let dirty = false;
  const draw = () => {
    if (!dirty || !last) return;
    dirty = false;
    const width = Math.max(40, ((output as { columns?: number }).columns ?? 100) - 1);
    const clip = (l: string) => (l.length > width ? `${l.slice(0, width - 1)}…` : l);
    const body = [
      `pingops noc · ${new Date(now()).toTimeString().slice(0, 8)} · Ctrl+C to leave`,
      '',
      ...describeStatus(last, now()).split('\n'),
      '',
      'Events:',
      ...(events.length === 0 ? ['  (none yet)'] : events.slice(-EVENT_LINES).map((e) => `  ${e}`)),
    ].map((l) => clip(sanitizeTerminal(l)));
    output.write(`\x1b[H\x1b[2J${body.join('\n')}\n`);
  };
  const timer = interactive ? setInterval(draw, 1000) : null;
  timer?.unref();
  return {
    event(line) {
      events.push(line);
      if (events.length > 200) events.splice(0, events.length - 200);
      if (interactive) {
        dirty = true;
        draw();
      } else output.write(`${sanitizeTerminal(line)}\n`);
    },
    status(s) {
      last = s;
      dirty = true;
      // The rate in the summary moves every round; a pipe gets a line when the plan itself changes.
      const plan = s.summary.replace(/ at \d+ req\/min/, '');
      if (!interactive && plan !== lastSummary) {
        lastSummary = plan;
        output.write(`${sanitizeTerminal(`plan: ${s.summary}`)}\n`);
      }
    },
    close() {
      if (timer) clearInterval(timer);
      if (interactive) {
        dirty = true;
        draw();
      } else if (last) output.write(`${describeStatus(last, now()).split('\n').map(sanitizeTerminal).join('\n')}\n`);
    },
  };
}
