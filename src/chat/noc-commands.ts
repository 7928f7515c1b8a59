/**
 * `/noc ...` in chat, for every surface: `status`, `watch add|remove|list`, `silence`, `unsilence`, `help`.
 * Each adapter hands over the words (Discord builds them from its options) and the person;
 * this module parses them with the CLI's own rules, applies the access rule (changes are for
 * admins, reading is for everyone) and answers in plain text, privately. The watch list lives
 * in the store, which the watcher reads at every round: a change takes effect within one interval.
 */
import { createAccess, type Access, type Asker } from './access.js';
import { refusalText } from './words.js';
import type { ClientRecord } from '../core/client.js';
import { foldText } from '../directory/target.js';
import type { Directory } from '../directory/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { intervalProblem, parseNocArgs, type WatchAsk, type WatchTarget } from '../noc/cli-args.js';
import { formatDuration, formatUntil } from '../util/duration.js';
import { describeStatus } from '../present/noc.js';
import type { NocStore } from '../noc/store.js';
import type { ClientInventory, ScopeKey, WatchKind } from '../noc/types.js';
import type { WatcherStatus } from '../noc/watcher.js';

/** What `/noc ...` asked for. */
export type NocCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'watch_add'; target: WatchAsk; intervalMs: number | null; channel: string | null }
  | { kind: 'watch_remove'; target: WatchTarget }
  | { kind: 'watch_list' }
  | { kind: 'silence'; scope: ScopeKey | 'all'; durationMs: number; reason: string | null }
  | { kind: 'unsilence'; scope: ScopeKey | 'all' };

export type ParsedNocCommand = NocCommand | { kind: 'invalid'; message: string };

/** A channel as chat platforms write a mention of it: Slack `<#C123|name>` (or `<#C123>`), Discord `<#123>`. */
const CHANNEL_MENTION_RE = /^<#([A-Za-z0-9]{1,30})(?:\|[^>]*)?>$/;
const MAX_TEXT = 500;

export const NOC_HELP = [
  '/noc status: open incidents, what is watched, the sweep plan and the budget in use',
  '/noc watch list: the watch list and running silences',
  '/noc watch add <client id or name|router:N|zone:N|all> [every 5m] [#channel]: watch it (admins)',
  '/noc watch remove <client|router:N|zone:N|all>: stop watching it (admins)',
  '/noc silence <client:N|router:N|zone:N|all> <duration> [reason]: no new alerts for that long, at most 30 days (admins)',
  '/noc unsilence <client:N|router:N|zone:N|all>: lift that silence (admins)',
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
    case 'unsilence':
    case 'watch': {
      const top = first?.toLowerCase();
      const args = top === 'silence' || top === 'unsilence' ? [top, ...rest] : rest;
      const sub = args[0]?.toLowerCase();
      // A channel is only read where it means something: the entry's alerts go there.
      const channels = sub === 'add' ? args.map((w) => CHANNEL_MENTION_RE.exec(w)?.[1]).filter((c): c is string => c !== undefined) : [];
      if (channels.length > 1) return invalid('name at most one channel');
      const plain = sub === 'add' ? args.filter((w) => !CHANNEL_MENTION_RE.test(w)) : args;
      if (sub === 'add' && plain.some((w) => w.startsWith('#'))) return invalid('name the channel as a #mention, so its id comes with it');
      const parsed = parseNocArgs('watch', [sub ?? '', ...plain.slice(1)]);
      switch (parsed.kind) {
        case 'usage_error':
          return invalid(parsed.message.replace(/^watch (un)?silence/, '$1silence'));
        case 'watch_add':
          return { kind: 'watch_add', target: parsed.target, intervalMs: parsed.intervalMs, channel: channels[0] ?? null };
        case 'watch_remove':
          return { kind: 'watch_remove', target: parsed.target };
        case 'watch_list':
          return { kind: 'watch_list' };
        case 'watch_silence':
          return { kind: 'silence', scope: parsed.scope, durationMs: parsed.durationMs, reason: parsed.reason };
        case 'watch_unsilence':
          return { kind: 'unsilence', scope: parsed.scope };
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
  return cmd.kind === 'watch_add' || cmd.kind === 'watch_remove' || cmd.kind === 'silence' || cmd.kind === 'unsilence';
}

/** The person asking, as the surface knows them. */
export interface NocAsker extends Asker {
  name: string;
}

/** One autocomplete choice: `name` shown, `value` sent back. */
export interface ScopeChoice {
  name: string;
  value: string;
}

export interface NocCommandDeps {
  store: NocStore;
  /** This process's watcher (its live status); null when it runs elsewhere (its saved status is read). */
  watcher: { status(): WatcherStatus } | null | (() => { status(): WatcherStatus } | null);
  /** Every client the watcher may sweep (routers and zones for autocomplete). */
  inventory?: ClientInventory | null;
  directory?: Directory | null;
  admins: readonly string[];
  /** The shared access rules (workspace, channel; admins); default: these admins, every channel. */
  access?: Access;
  /** NOC_SLACK_CHANNEL, NOC_DISCORD_CHANNEL: /noc answers there too when PINGOPS_ALLOWED_CHANNELS is set. */
  nocChannels?: readonly string[];
  defaultIntervalMs: number;
  /** The watcher's round minimum (NOC_ROUND_MIN): no watch interval below it (default 1 min). */
  roundMinMs?: number;
  clock: Clock;
  logger: Logger;
}

export interface NocCommands {
  /** Answers `/noc <text>` for `person` in `channel` (null: no channel, the shell), privately (plain text; the surface escapes it). */
  handle(text: string, person: NocAsker, surface: string, channel?: string | null): Promise<string>;
  /** Choices for a target or scope being typed: `all`, routers, zones and clients. */
  suggest(query: string, opts?: { clients?: boolean; limit?: number }): Promise<ScopeChoice[]>;
}

const label = (kind: WatchKind, ref: number | null) => (kind === 'all' ? 'all' : `${kind}:${ref}`);
/** Group names for autocomplete are read again after this long. */
const GROUPS_TTL_MS = 60_000;
const SUGGEST_TIMEOUT_MS = 1200;
/** A watch add's target is checked against the client list within this long. */
const VALIDATE_TIMEOUT_MS = 1500;

export function createNocCommands(deps: NocCommandDeps): NocCommands {
  const log = deps.logger.child({ component: 'noc-commands' });
  const access = deps.access ?? createAccess({ allowedChannels: [], admins: deps.admins, userRatePerMin: 1 });
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
        for (const s of await store.silences(now)) {
          const until = formatUntil(s.until, now);
          lines.push(`Silenced: ${s.scope} until ${until}${s.reason ? ` (${s.reason})` : ''}${until === 'further notice' ? ` (lift it with /noc unsilence ${s.scope})` : ''}`);
        }
        return lines.join('\n');
      }
      case 'watch_add': {
        const tooShort = cmd.intervalMs === null ? null : intervalProblem(cmd.intervalMs, deps.roundMinMs ?? 60_000);
        if (tooShort) return tooShort;
        const found = await checkTarget(cmd.target);
        if (!found.ok) return found.message;
        const { kind, ref } = found.target;
        const e = await store.addWatch({ kind, ref, intervalMs: cmd.intervalMs ?? deps.defaultIntervalMs, channel: cmd.channel }, now);
        log.info({ user: person.id, watch: label(kind, ref), intervalMs: e.intervalMs, channel: e.channel }, 'noc watch added');
        const what = found.name ? `client ${e.ref} ${found.name}` : label(e.kind, e.ref);
        return `Watching ${what} every ${formatDuration(e.intervalMs)}${e.channel ? `, alerts in channel ${e.channel}` : ''} (the watcher picks it up within one interval).${found.note ?? ''}`;
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
        return `Silenced ${cmd.scope} for ${formatDuration(cmd.durationMs)} (until ${formatUntil(now + cmd.durationMs, now)}): no new alerts; tracking goes on, and an incident alerted before still gets its recovery. Lift it with /noc unsilence ${cmd.scope}.`;
      }
      case 'unsilence': {
        const lifted = await store.removeSilences(cmd.scope, now);
        if (lifted > 0) log.info({ user: person.id, scope: cmd.scope }, 'noc silence lifted');
        return lifted > 0 ? `Lifted the silence on ${cmd.scope}: new alerts go out again from the watcher's next round.` : `${cmd.scope} was not silenced.`;
      }
    }
  };

  /** `fn` within VALIDATE_TIMEOUT_MS (Discord answers /noc within 3 s), else null. */
  const inTime = async <T,>(fn: (signal: AbortSignal) => Promise<T>): Promise<T | null> => {
    const timer = new AbortController();
    try {
      return await Promise.race([fn(timer.signal).catch(() => null), deps.clock.sleep(VALIDATE_TIMEOUT_MS, timer.signal).then(() => null, () => null)]);
    } finally {
      timer.abort();
    }
  };

  /**
   * The target checked against the client list where there is one: a client the directory does
   * not know, or a router or zone with no client in the list, is refused with the reason; a name
   * is resolved to its client. A list that does not answer in time lets it through, saying so.
   */
  const checkTarget = async (t: WatchAsk): Promise<{ ok: true; target: WatchTarget; name?: string; note?: string } | { ok: false; message: string }> => {
    const unchecked = ' (not checked against the client list: it did not answer in time)';
    if (t.kind === 'all') return { ok: true, target: t };
    if (t.kind === 'name' || t.kind === 'client') {
      const directory = deps.directory;
      if (!directory) return t.kind === 'name' ? { ok: false, message: `Name the client by its id: no client directory here to find "${t.query}". Nothing changed.` } : { ok: true, target: t };
      const r = await inTime((signal) => directory.resolve(t.kind === 'name' ? { kind: 'name', query: t.query } : { kind: 'service_id', serviceId: t.ref ?? 0 }, { signal }));
      const asked = t.kind === 'name' ? `"${t.query}"` : `client ${t.ref}`;
      switch (r?.kind) {
        case 'found':
          return { ok: true, target: { kind: 'client', ref: r.client.serviceId }, name: r.client.name };
        case 'not_found':
          return { ok: false, message: `No client ${t.kind === 'name' ? 'named ' : ''}${asked.replace(/^client /, '')} in the client list. Nothing changed.` };
        case 'ambiguous':
          return { ok: false, message: `${asked} matches ${r.matches.length} clients: ${r.matches.slice(0, 5).map((c) => `${c.serviceId} ${c.name}`).join(', ')}${r.matches.length > 5 ? ', …' : ''}. Add one by its id. Nothing changed.` };
        case 'mismatch':
          return { ok: false, message: `The client list answered another client for ${asked}. Nothing changed.` };
        default:
          return t.kind === 'name' ? { ok: false, message: `Could not look ${asked} up just now; try again, or add the client by its id. Nothing changed.` } : { ok: true, target: t, note: unchecked };
      }
    }
    const inventory = deps.inventory;
    if (!inventory) return { ok: true, target: t };
    const list = await inTime((signal) => inventory.list({ signal }));
    if (list === null) return { ok: true, target: t, note: unchecked };
    const has = list.some((c) => (t.kind === 'router' ? c.router?.id === t.ref : c.zoneId === t.ref));
    if (has || list.length === 0) return { ok: true, target: t };
    const known = [...new Set(list.map((c) => (t.kind === 'router' ? c.router?.id : c.zoneId)).filter((x): x is number => x != null))].sort((a, b) => a - b);
    return { ok: false, message: `No client in the client list is on ${label(t.kind, t.ref)}${known.length > 0 ? ` (${t.kind}s: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : ''}. Nothing changed.` };
  };

  const watcherHere = () => (typeof deps.watcher === 'function' ? deps.watcher() : deps.watcher);
  const readStatus = async (now: number): Promise<WatcherStatus | null> => {
    const here = watcherHere();
    const saved = here?.status() ?? ((await deps.store.getMeta('status')) as WatcherStatus | null);
    if (!saved) return null;
    // Lists as they are now: a change made a moment ago shows at once.
    return { ...saved, open: await deps.store.incidents({ openOnly: true, limit: 100 }), watches: await deps.store.listWatches(), silences: await deps.store.silences(now) };
  };

  const status = async (now: number): Promise<string> => {
    const s = await readStatus(now);
    if (!s) return 'The NOC watcher has not run on this store yet.';
    const stale = !watcherHere() && now - s.at > Math.max(2 * s.plannedRoundMs, 120_000) ? `(the watcher was last seen ${formatDuration(now - s.at)} ago)\n` : '';
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
    async handle(text, person, surface, channel = null) {
      // Where and from which workspace first: a refusal says nothing about the NOC.
      const own = channel === null ? [] : (await deps.store.listWatches().catch(() => [])).map((w) => w.channel).filter((c): c is string => c !== null);
      const refused = access.admit(person, { surface, channel, counts: false, now: deps.clock.now(), alsoIn: [...(deps.nocChannels ?? []), ...own] });
      if (refused) {
        log.info({ user: person.id, surface, channel, refused: refused.kind }, 'noc command refused');
        return refusalText(refused, 'en');
      }
      const cmd = parseNocCommand(text);
      if (cmd.kind === 'invalid') return cmd.message;
      if (changes(cmd) && !access.isAdmin(person)) {
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
