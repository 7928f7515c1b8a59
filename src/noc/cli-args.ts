import { formatDuration, parseDuration } from '../util/duration.js';
import { parseScope, type ScopeKey, type WatchKind } from './types.js';

export interface WatchTarget {
  kind: WatchKind;
  ref: number | null;
}

/** A watch target as asked for: a scope, or a client's name to resolve through the directory. */
export type WatchAsk = WatchTarget | { kind: 'name'; query: string };

/** What `pingops watch ...` and `pingops noc ...` asked for. */
export type NocCliCommand =
  | { kind: 'watch_add'; target: WatchAsk; intervalMs: number | null }
  | { kind: 'watch_remove'; target: WatchTarget }
  | { kind: 'watch_list' }
  | { kind: 'watch_silence'; scope: ScopeKey | 'all'; durationMs: number; reason: string | null }
  | { kind: 'watch_unsilence'; scope: ScopeKey | 'all' }
  | { kind: 'noc_status' }
  | { kind: 'noc'; demo: boolean };

type Parsed = NocCliCommand | { kind: 'usage_error'; message: string };

/** `all`, `1001`, `client:1001`, `router:3`, `zone:2`. */
export function parseWatchTarget(text: string): WatchTarget | null {
  if (text.trim().toLowerCase() === 'all') return { kind: 'all', ref: null };
  const scope = parseScope(text);
  if (!scope) return null;
  const [kind, ref] = scope.split(':') as [WatchKind, string];
  return { kind, ref: Number(ref) };
}

/** A silence longer than this is a forgotten one: maintenance is planned in days, not years. */
export const MAX_SILENCE_MS = 30 * 86_400_000;
/** A watch polled less often than daily is not being watched. */
export const MAX_WATCH_INTERVAL_MS = 86_400_000;

/**
 * Why a watch interval cannot be used, or null: under the watcher's round minimum the entry
 * would only make the planner stretch every round and warn about the budget.
 */
export function intervalProblem(intervalMs: number, roundMinMs: number): string | null {
  if (intervalMs < roundMinMs) return `A watch interval is at least ${formatDuration(roundMinMs)} (the watcher's round minimum, NOC_ROUND_MIN); ${formatDuration(intervalMs)} is shorter. Nothing changed.`;
  return null;
}

const SCOPE_HELP = 'a scope (client:N, router:N, zone:N or all)';

const TARGET_HELP = 'a target: a client id (1001, client:1001) or name, router:N, zone:N or all';

/** Parses the words after `watch` or `noc`. */
export function parseNocArgs(command: 'watch' | 'noc', args: readonly string[]): Parsed {
  const [sub, ...rest] = args;
  if (command === 'noc') {
    if (sub === undefined) return { kind: 'noc', demo: false };
    if (sub === '--demo' && rest.length === 0) return { kind: 'noc', demo: true };
    if (sub === 'status' && rest.length === 0) return { kind: 'noc_status' };
    return { kind: 'usage_error', message: `noc takes status or --demo, not "${String(sub).slice(0, 40)}"` };
  }
  switch (sub) {
    case 'add': {
      const words = [...rest];
      let intervalMs: number | null = null;
      const at = words.findIndex((w) => w === 'every' || w === '--every' || w.startsWith('--every='));
      if (at >= 0) {
        const w = words[at] ?? '';
        const value = w.includes('=') ? w.slice(w.indexOf('=') + 1) : words[at + 1];
        intervalMs = value === undefined ? null : parseDuration(value);
        if (intervalMs === null) return { kind: 'usage_error', message: 'every takes a duration such as 30s, 5m or 1h' };
        if (intervalMs > MAX_WATCH_INTERVAL_MS) return { kind: 'usage_error', message: `every is at most ${formatDuration(MAX_WATCH_INTERVAL_MS)}, not ${String(value).slice(0, 30)}` };
        words.splice(at, w.includes('=') ? 1 : 2);
      }
      const target = words.length === 1 ? parseWatchTarget(words[0] ?? '') : null;
      if (target) return { kind: 'watch_add', target, intervalMs };
      // Anything else with letters and no `kind:N` is a client's name ("Ana Morales", quoted or not).
      const query = words.join(' ').replace(/^["'“]|["'”]$/g, '').trim();
      if (/\p{L}/u.test(query) && !query.includes(':') && query.length <= 100) return { kind: 'watch_add', target: { kind: 'name', query }, intervalMs };
      return { kind: 'usage_error', message: `watch add needs ${TARGET_HELP}` };
    }
    case 'remove': {
      const target = rest.length === 1 ? parseWatchTarget(rest[0] ?? '') : null;
      if (!target) return { kind: 'usage_error', message: `watch remove needs ${TARGET_HELP}` };
      return { kind: 'watch_remove', target };
    }
    case 'list':
      return rest.length === 0 ? { kind: 'watch_list' } : { kind: 'usage_error', message: 'watch list takes no arguments' };
    case 'silence': {
      const [scopeText = '', durationText = '', ...reason] = rest;
      const scope = scopeText.trim().toLowerCase() === 'all' ? 'all' : parseScope(scopeText);
      const durationMs = parseDuration(durationText);
      if (!scope || durationMs === null) return { kind: 'usage_error', message: `watch silence needs ${SCOPE_HELP} and a duration such as 2h` };
      if (durationMs > MAX_SILENCE_MS) return { kind: 'usage_error', message: `a silence lasts at most ${formatDuration(MAX_SILENCE_MS)}, not ${durationText.slice(0, 30)} (silence again when it ends)` };
      const text = reason.join(' ').trim();
      return { kind: 'watch_silence', scope, durationMs, reason: text === '' ? null : text.slice(0, 200) };
    }
    case 'unsilence': {
      const scope = rest.length !== 1 ? null : rest[0]?.trim().toLowerCase() === 'all' ? 'all' : parseScope(rest[0] ?? '');
      if (!scope) return { kind: 'usage_error', message: `watch unsilence needs ${SCOPE_HELP}` };
      return { kind: 'watch_unsilence', scope };
    }
    default:
      return { kind: 'usage_error', message: 'watch takes add, remove, list, silence or unsilence' };
  }
}
