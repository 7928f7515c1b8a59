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
    // One line short of the screen: a full screen would scroll the header off.
    const height = Math.max(20, (output as { rows?: number }).rows ?? 50) - 1;
    const clip = (l: string) => (l.length > width ? `${l.slice(0, width - 1)}…` : l);
    const head = [`pingops noc · ${new Date(now()).toTimeString().slice(0, 8)} · Ctrl+C to leave`, ''];
    let shown = events.slice(-EVENT_LINES).map((e) => wrapLine(`  ${sanitizeTerminal(e)}`, width, '      '));
    const statusLines = describeStatus(last, now()).split('\n').map((l) => clip(sanitizeTerminal(l)));
    const room = () => height - head.length - 2 - (shown.length === 0 ? 1 : shown.flat().length);
    // Events past the screen's share are dropped oldest first; lists yield before the newest events do.
    while (shown.length > 4 && room() < Math.min(statusLines.length, height / 2)) shown = shown.slice(1);
    const body = [...head, ...fitLines(statusLines, room()), '', 'Events:', ...(shown.length === 0 ? ['  (none yet)'] : shown.flat())];
    output.write(`\x1b[H\x1b[2J${body.slice(0, height).join('\n')}\n`);
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

/** Words of `line` in lines of at most `width` columns; continuation lines start with `indent`. */
export function wrapLine(line: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > indent.length ? cut : width;
    out.push(rest.slice(0, at).trimEnd());
    rest = indent + rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

const MORE_RE = /^ {2}… and (\d+) more/;
const NOUNS: Readonly<Record<string, string>> = { 'Groups:': 'groups', 'Clients watched one by one:': 'clients', 'Open incidents:': 'incidents', 'Watching:': 'entries' };

/**
 * Status lines cut to `max`: the longest titled list (groups under `watch add all`) gives up its
 * tail first, keeping its title and a line saying how many more `npx pingops noc status` lists.
 */
export function fitLines(lines: readonly string[], max: number): string[] {
  const blocks: string[][] = [[]];
  for (const l of lines) {
    if (l === '') blocks.push([]);
    else blocks.at(-1)?.push(l);
  }
  const total = () => blocks.reduce((n, b) => n + b.length, 0) + blocks.length - 1;
  for (;;) {
    const over = total() - Math.max(1, max);
    if (over <= 0) break;
    const list = blocks.filter((b) => NOUNS[b[0] ?? ''] !== undefined && b.length > 3).sort((a, b) => b.length - a.length)[0];
    if (!list) break;
    const more = MORE_RE.exec(list.at(-1) ?? '');
    const items = more ? list.slice(1, -1) : list.slice(1);
    const keep = Math.max(1, items.length - over - 1);
    const hidden = items.length - keep + Number(more?.[1] ?? 0);
    list.splice(1, list.length - 1, ...items.slice(0, keep), `  … and ${hidden} more ${NOUNS[list[0] ?? ''] ?? ''} (npx pingops noc status lists them all)`);
  }
  return blocks.map((b) => b.join('\n')).join('\n').split('\n').slice(0, Math.max(1, max));
}

