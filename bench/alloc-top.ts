import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { areaOf, isOwn } from './cpu-top.js';

/**
 * Reads a V8 sampling heap profile (`.heapprofile`, written by bench/bot-probe under
 * `--alloc-prof`, collected objects included) and sums what was allocated per area (our files,
 * each package, node's internals) and per the innermost frame of our own code under it: where a
 * run's garbage, and so its collections, come from.
 */
interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
}

const short = (url: string) => url.replace(/^.*\/(src|bench)\//, '$1/');

/** Bytes allocated per area and per innermost own frame, with the total. */
export function allocations(file: string): { total: number; byArea: Map<string, number>; byOwnFrame: Map<string, number> } {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: AllocNode }).head;
  const byArea = new Map<string, number>();
  const byOwnFrame = new Map<string, number>();
  let total = 0;
  // Depth-first with an explicit stack: allocation trees are deep enough to matter for recursion.
  const stack: { node: AllocNode; own: string }[] = [{ node: head, own: '(none of our frames)' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node } = item;
    const f = node.callFrame;
    const own = isOwn(f.url) ? `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}` : item.own;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const area = areaOf(f.url, f.functionName);
      byArea.set(area, (byArea.get(area) ?? 0) + node.selfSize);
      byOwnFrame.set(own, (byOwnFrame.get(own) ?? 0) + node.selfSize);
    }
    for (const child of node.children) stack.push({ node: child, own });
  }
  return { total, byArea, byOwnFrame };
}

const rows = (m: Map<string, number>, total: number, top: number, label: string) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ [label]: name, allocated_mb: Math.round(bytes / 104857.6) / 10, pct: Math.round((bytes / total) * 1000) / 10 }));

/** A run's allocation profiles, each named for whose it is (the bot's entry is main.js; the floors' are their bench children). */
export function printAllocationProfiles(files: string[]): void {
  for (const file of files) {
    const whose = basename(file).startsWith('main-') ? "the bot's" : "the floor's";
    const a = allocations(file);
    console.log(`\n   Allocation profile ${file} (${whose} measured window): ${Math.round(a.total / 1048576)} MB allocated, collected objects included`);
    console.table(rows(a.byArea, a.total, 15, 'area'));
    console.table(rows(a.byOwnFrame, a.total, 20, 'innermost own frame'));
  }
}
