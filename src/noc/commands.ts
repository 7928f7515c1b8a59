/**
 * `/noc ...` in chat, for every surface: `status`, `watch add|remove|list`, `silence`, `help`.
 * Each adapter hands over the words (Discord builds them from its options) and the person;
 * this module parses them with the CLI's own rules, applies the access rule (changes are for
 * admins, reading is for everyone) and answers in plain text, privately. The watch list lives
 * in the store, which the watcher reads at every round: a change takes effect within one interval.
 */
import type { ClientRecord } from '../core/client.js';
import { foldText } from '../directory/target.js';
import type { Directory } from '../directory/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { parseNocArgs, type WatchTarget } from './cli-args.js';
import { formatDuration } from '../util/duration.js';
import { clockTime, describeStatus } from '../present/noc.js';
import type { NocStore } from './store.js';
import type { ClientInventory, ScopeKey, WatchKind } from './types.js';
import type { WatcherStatus } from './watcher.js';

/** What `/noc ...` asked for. */
export type NocCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'watch_add'; target: WatchTarget; intervalMs: number | null; channel: string | null }
  | { kind: 'watch_remove'; target: WatchTarget }
  | { kind: 'watch_list' }
  | { kind: 'silence'; scope: ScopeKey | 'all'; durationMs: number; reason: string | null };

export type ParsedNocCommand = NocCommand | { kind: 'invalid'; message: string };

/** A channel as chat platforms write a mention of it: Slack `<#C123|name>` (or `<#C123>`), Discord `<#123>`. */
const CHANNEL_MENTION_RE = /^<#([A-Za-z0-9]{1,30})(?:\|[^>]*)?>$/;
const MAX_TEXT = 500;

export const NOC_HELP = [
  '/noc status: open incidents, what is watched, the sweep plan and the budget in use',
  '/noc watch list: the watch list and running silences',
  '/noc watch add <client|router:N|zone:N|all> [every 5m] [#channel]: watch it (admins)',
  '/noc watch remove <client|router:N|zone:N|all>: stop watching it (admins)',
  '/noc silence <client:N|router:N|zone:N|all> <duration> [reason]: no new alerts for that long (admins)',
].join('\n');

/** Parses the words after `/noc`. */
export function parseNocCommand(text: string): ParsedNocCommand {
  const words = text.trim().slice(0, MAX_TEXT).split(/\s+/).filter((w) => w !== '');
  const [first, ...rest] = words;
  const invalid = (message: string): ParsedNocCommand => ({ kind: 'invalid', message: `${message}. Try /noc help.` });
  switch (first?.toLowerCase()) {
    case undefined:
    case 'help':
      return { kind: 'help' };
    case 'status':
      return rest.length === 0 ? { kind: 'status' } : invalid('status takes no arguments');
    case 'silence':
    case 'watch': {
      const args = first?.toLowerCase() === 'silence' ? ['silence', ...rest] : rest;
      const sub = args[0]?.toLowerCase();
      // A channel is only read where it means something: the entry's alerts go there.
      const channels = sub === 'add' ? args.map((w) => CHANNEL_MENTION_RE.exec(w)?.[1]).filter((c): c is string => c !== undefined) : [];
      if (channels.length > 1) return invalid('name at most one channel');
      const plain = sub === 'add' ? args.filter((w) => !CHANNEL_MENTION_RE.test(w)) : args;
      if (sub === 'add' && plain.some((w) => w.startsWith('#'))) return invalid('name the channel as a #mention, so its id comes with it');
      const parsed = parseNocArgs('watch', [sub ?? '', ...plain.slice(1)]);
      switch (parsed.kind) {
        case 'usage_error':
          return invalid(parsed.message.replace(/^watch silence/, 'silence'));
        case 'watch_add':
          return { kind: 'watch_add', target: parsed.target, intervalMs: parsed.intervalMs, channel: channels[0] ?? null };
        case 'watch_remove':
          return { kind: 'watch_remove', target: parsed.target };
        case 'watch_list':
          return { kind: 'watch_list' };
        case 'watch_silence':
          return { kind: 'silence', scope: parsed.scope, durationMs: parsed.durationMs, reason: parsed.reason };
        default:
          return invalid('watch takes add, remove or list');
      }
    }
    default:
      return invalid(`unknown /noc command "${(first ?? "").slice(0, 30)}"`);
  }
}

/** True for commands that change the watch list or silences (admins only). */
export function changes(cmd: NocCommand): boolean {
  return cmd.kind === 'watch_add' || cmd.kind === 'watch_remove' || cmd.kind === 'silence';
}

/** Who may change the NOC's lists: a platform admin, or anyone named in PINGOPS_ADMINS. */
export function mayChangeNoc(person: { id: string; isAdmin?: boolean }, admins: readonly string[]): boolean {
  return person.isAdmin === true || admins.includes(person.id);
}

/** The person asking, as the surface knows them. */
export interface NocAsker {
  id: string;
  name: string;
  isAdmin?: boolean;
}

/** One autocomplete choice: `name` shown, `value` sent back. */
export interface ScopeChoice {
  name: string;
  value: string;
}

export interface NocCommandDeps {
  store: NocStore;
  /** This process's watcher (its live status); null when it runs elsewhere (its saved status is read). */
  watcher: { status(): WatcherStatus } | null;
  /** Every client the watcher may sweep (routers and zones for autocomplete). */
  inventory?: ClientInventory | null;
  directory?: Directory | null;
  admins: readonly string[];
  defaultIntervalMs: number;
  clock: Clock;
  logger: Logger;
}

export interface NocCommands {
  /** Answers `/noc <text>` for `person`, privately (plain text; the surface escapes it). */
  handle(text: string, person: NocAsker, surface: string): Promise<string>;
  /** Choices for a target or scope being typed: `all`, routers, zones and clients. */
  suggest(query: string, opts?: { clients?: boolean; limit?: number }): Promise<ScopeChoice[]>;
}

const label = (kind: WatchKind, ref: number | null) => (kind === 'all' ? 'all' : `${kind}:${ref}`);
/** Group names for autocomplete are read again after this long. */
const GROUPS_TTL_MS = 60_000;
const SUGGEST_TIMEOUT_MS = 1200;

export function createNocCommands(deps: NocCommandDeps): NocCommands {
  const log = deps.logger.child({ component: 'noc-commands' });
  let groups: { at: number; list: ScopeChoice[] } | null = null;

  const run = async (cmd: NocCommand, person: NocAsker): Promise<string> => {
    const now = deps.clock.now();
    const { store } = deps;
    switch (cmd.kind) {
      case 'help':
        return NOC_HELP;
      case 'status':
        return status(now);
      case 'watch_list': {
        const list = await store.listWatches();
        const lines = list.length === 0 ? ['Watching nothing. Add with: /noc watch add <client|router:N|zone:N|all> [every 5m]'] : ['Watching:'];
        for (const w of list) lines.push(`  ${label(w.kind, w.ref)} every ${formatDuration(w.intervalMs)}${w.channel ? ` · alerts in channel ${w.channel}` : ''}`);
        for (const s of await store.silences(now)) lines.push(`Silenced: ${s.scope} until ${clockTime(s.until)}${s.reason ? ` (${s.reason})` : ''}`);
        return lines.join('\n');
      }
      case 'watch_add': {
        const { kind, ref } = cmd.target;
        const e = await store.addWatch({ kind, ref, intervalMs: cmd.intervalMs ?? deps.defaultIntervalMs, channel: cmd.channel }, now);
        log.info({ user: person.id, watch: label(kind, ref), intervalMs: e.intervalMs, channel: e.channel }, 'noc watch added');
        return `Watching ${label(e.kind, e.ref)} every ${formatDuration(e.intervalMs)}${e.channel ? `, alerts in channel ${e.channel}` : ''} (the watcher picks it up within one interval).`;
      }
      case 'watch_remove': {
        const { kind, ref } = cmd.target;
        const removed = await store.removeWatch(kind, ref);
        if (removed) log.info({ user: person.id, watch: label(kind, ref) }, 'noc watch removed');
        return removed ? `No longer watching ${label(kind, ref)}.` : `${label(kind, ref)} was not watched.`;
      }
      case 'silence': {
        await store.addSilence({ scope: cmd.scope, until: now + cmd.durationMs, reason: cmd.reason, createdAt: now });
        log.info({ user: person.id, scope: cmd.scope, durationMs: cmd.durationMs }, 'noc silence added');
        return `Silenced ${cmd.scope} for ${formatDuration(cmd.durationMs)} (until ${clockTime(now + cmd.durationMs)}): no new alerts; tracking goes on, and an incident alerted before still gets its recovery.`;
      }
    }
  };

  const readStatus = async (now: number): Promise<WatcherStatus | null> => {
    const saved = deps.watcher?.status() ?? ((await deps.store.getMeta('status')) as WatcherStatus | null);
    if (!saved) return null;
    // Lists as they are now: a change made a moment ago shows at once.
    return { ...saved, open: await deps.store.incidents({ openOnly: true, limit: 100 }), watches: await deps.store.listWatches(), silences: await deps.store.silences(now) };
  };

  const status = async (now: number): Promise<string> => {
    const s = await readStatus(now);
    if (!s) return 'The NOC watcher has not run on this store yet.';
    const stale = !deps.watcher && now - s.at > Math.max(2 * s.plannedRoundMs, 120_000) ? `(the watcher was last seen ${formatDuration(now - s.at)} ago)\n` : '';
    return stale + describeStatus(s, now).replace('npx pingops watch add', '/noc watch add');
  };

  const groupChoices = async (): Promise<ScopeChoice[]> => {
    const now = deps.clock.now();
    if (groups && now - groups.at < GROUPS_TTL_MS) return groups.list;
    const seen = new Map<string, string>();
    for (const g of (await readStatus(now).catch(() => null))?.groups ?? []) seen.set(g.key, g.label);
    if (deps.inventory) {
      const timer = new AbortController();
      const list = await Promise.race([
        deps.inventory.list({ signal: timer.signal }).catch(() => [] as ClientRecord[]),
        deps.clock.sleep(SUGGEST_TIMEOUT_MS, timer.signal).then(() => [] as ClientRecord[], () => [] as ClientRecord[]),
      ]);
      timer.abort();
      for (const c of list) {
        if (c.router && !seen.has(`router:${c.router.id}`)) seen.set(`router:${c.router.id}`, c.zoneName ? `${c.router.name} (${c.zoneName})` : c.router.name);
        if (c.zoneId !== null && !seen.has(`zone:${c.zoneId}`)) seen.set(`zone:${c.zoneId}`, c.zoneName ?? `zone ${c.zoneId}`);
      }
    }
    const list = [...seen].map(([value, name]) => ({ value, name: `${value} · ${name}` })).sort((a, b) => a.value.localeCompare(b.value, 'en', { numeric: true }));
    groups = { at: now, list };
    return list;
  };

  return {
    async handle(text, person, surface) {
      const cmd = parseNocCommand(text);
      if (cmd.kind === 'invalid') return cmd.message;
      if (changes(cmd) && !mayChangeNoc(person, deps.admins)) {
        log.info({ user: person.id, surface, command: cmd.kind }, 'noc change refused: not an admin');
        return `Changing what the NOC watches is for admins (PINGOPS_ADMINS); ask an admin: /noc ${text.trim().slice(0, 200)}`;
      }
      try {
        return await run(cmd, person);
      } catch (err) {
        log.error({ err, user: person.id, surface, command: cmd.kind }, 'noc command failed');
        return 'The NOC store could not be read or written just now; nothing changed. Try again in a moment.';
      }
    },
    async suggest(query, opts = {}) {
      const limit = opts.limit ?? 25;
      const q = foldText(query);
      const out: ScopeChoice[] = [];
      if ('all'.startsWith(q) || q === '') out.push({ name: 'all · every active client', value: 'all' });
      const wantsGroup = /^(router|zone)/.test(q);
      if (opts.clients !== false && !wantsGroup && deps.directory && q !== '') {
        const found = await deps.directory.suggest(query.trim().replace(/^client:/i, ''), { limit, timeoutMs: SUGGEST_TIMEOUT_MS }).catch(() => []);
        for (const c of found) out.push({ name: `${c.name} · ${c.serviceId}`, value: String(c.serviceId) });
      }
      for (const g of await groupChoices()) if (q === '' || foldText(g.name).includes(q)) out.push(g);
      return out.slice(0, limit);
    },
  };
}
