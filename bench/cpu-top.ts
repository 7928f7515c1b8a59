import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and sums self time per function and per area (our
 * files, each package, node's internals, GC, idle), and busy time per entry into our code, to name
 * what a run spent its time on.
 *
 *   node dist-bench/bench/cpu-top.js <file.cpuprofile> [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** Monotonic microseconds (process.hrtime's clock). */
  startTime: number;
  endTime: number;
}

export const readProfile = (file: string): Profile => JSON.parse(readFileSync(file, 'utf8')) as Profile;

function selfTimes(file: string): { node: ProfileNode; us: number }[] {
  return selfTimesOf(readProfile(file));
}

/** Self time per node; `taken(at)`, when given, keeps only the samples taken at `at` (monotonic us). */
function selfTimesOf(p: Profile, taken?: (at: number) => boolean): { node: ProfileNode; us: number }[] {
  const us = new Map<number, number>();
  let at = p.startTime;
  // timeDeltas[i] is the time before sample i; it belongs to the sample before it.
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (taken && !taken(at)) continue;
    const id = p.samples[i] as number;
    us.set(id, (us.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  return p.nodes.map((node) => ({ node, us: us.get(node.id) ?? 0 }));
}

/** Where a frame's code lives: `src/chat/engine.ts`, a package (`@slack/web-api`), `node:internal`, or V8's own entries. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/(src|bench|test|dist)\/(.+)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const short = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench|test)\//, '$1/').replace(/^file:\/\//, '');

export interface SelfRow {
  self_ms: number;
  pct: number;
  function: string;
  where: string;
}

/** The `top` functions by self time, with their share of all sampled time (idle included). */
export function topSelfTime(file: string, top = 25): SelfRow[] {
  const byFn = new Map<string, { us: number; fn: string; where: string }>();
  let total = 0;
  for (const { node, us } of selfTimes(file)) {
    total += us;
    const f = node.callFrame;
    const where = f.url ? `${short(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = byFn.get(key) ?? { us: 0, fn: f.functionName || '(anonymous)', where };
    e.us += us;
    byFn.set(key, e);
  }
  return [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ self_ms: Math.round(e.us / 1000), pct: Math.round((e.us / total) * 1000) / 10, function: e.fn, where: e.where }));
}

/** Self time per area (our files, packages, node internals, GC), busy time only (idle left out). */
export function selfTimeByArea(file: string, top = 15): { area: string; self_ms: number; pct_of_busy: number }[] {
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const { node, us } of selfTimes(file)) {
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    if (area === '(idle)') continue;
    busy += us;
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  return [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, us]) => ({ area, self_ms: Math.round(us / 1000), pct_of_busy: Math.round((us / busy) * 1000) / 10 }));
}

/** Our own code: src/ or bench/ (compiled), not a package's own src/. */
export const isOwn = (url: string) => !url.includes('/node_modules/') && /\/(src|bench)\//.test(url);

/**
 * Busy time by where the event loop entered our code: each sample goes to the outermost frame of
 * our own on its stack (a callback, a resumed async function), with everything it called. Self time
 * spreads one check's path over a hundred small entries; this says which of our paths costs what.
 * Samples with none of our frames (socket writes and reads, timers, GC, module loading) go to the
 * area and function where they ran. `taken` keeps only the samples taken when it says (bench/late-turns).
 */
export function timeByEntry(file: string | Profile, top = 20, taken?: (at: number) => boolean): { entry: string; ms: number; pct_of_busy: number }[] {
  const p = typeof file === 'string' ? readProfile(file) : file;
  const parent = new Map<number, ProfileNode>();
  for (const node of p.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const byEntry = new Map<string, number>();
  let busy = 0;
  for (const { node, us } of selfTimesOf(p, taken)) {
    if (us === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += us;
    let entry: ProfileNode | undefined;
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) if (isOwn(at.callFrame.url)) entry = at;
    const f = (entry ?? node).callFrame;
    const key = entry ? `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}` : `(not ours) ${areaOf(f.url, f.functionName)}: ${f.functionName || '(anonymous)'}`;
    byEntry.set(key, (byEntry.get(key) ?? 0) + us);
  }
  return [...byEntry.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([entry, us]) => ({ entry, ms: Math.round(us / 1000), pct_of_busy: Math.round((us / busy) * 1000) / 10 }));
}

/** A run's profiles, each named for whose it is: the floors' files start with `floor-` (bench/chat startFloorChild), the rest are the bot's. */
export function printProfiles(files: string[]): void {
  for (const file of files) {
    const whose = basename(file).startsWith('floor-') ? "the floor's" : "the bot's";
    console.log(`\n   CPU profile ${file}: top self time (${whose} whole run)`);
    console.table(topSelfTime(file, 25));
    console.table(selfTimeByArea(file, 15));
    console.table(timeByEntry(file, 20));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: cpu-top <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  console.table(topSelfTime(file, Number(process.argv[3] ?? 25)));
  console.table(selfTimeByArea(file));
  console.table(timeByEntry(file));
}
