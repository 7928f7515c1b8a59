/**
 * NOC incidents in chat, written once for every surface: one root message per incident (its
 * live view, edited through the shared LiveMessage and edit budget) and one thread that gets
 * every change as a reply. The opening and the recovery replies are broadcast to the channel
 * where the surface can (Slack's `reply_broadcast`). Where each incident lives (channel, root,
 * thread) and what each outbox event posted are kept in the store, so a restart edits the same
 * root, continues the same thread, and a redelivered event does not post again.
 */
import type { Incident, NocEvent, NocNotifier, WatchEntry } from '../noc/types.js';
import { eventReply, renderIncident } from '../present/incident.js';
import type { Locale } from '../present/locale.js';
import type { View } from '../present/view.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createLiveMessage } from './live-message.js';
import type { LiveMessage } from './live-message.types.js';
import type { ChatPort } from './port.js';
import type { IncidentMessages, NocMessageStore, PostStep } from '../store/ports.js';

/**
 * One chat surface that may carry the NOC, as the assembly layer describes it: its name (the
 * port's `surface`), its default NOC channel, and which channel ids are its own (an adapter's
 * rule: the chat layer knows no platform's id format).
 */
export interface NocChannel {
  surface: string;
  /** NOC_SLACK_CHANNEL, NOC_DISCORD_CHANNEL…; null: only watch entries with a channel of this surface. */
  channel: string | null;
  owns(channel: string): boolean;
}

/** The store behind the notifier (store/ports.ts). */
export type { IncidentMessages, NocMessageStore, PostStep };

/** What the rules decide for one event on a surface that shows incidents. */
export interface EventPlan {
  /** The incident's root must exist first (posted now if it does not). */
  root: boolean;
  /** A thread reply (or, for events without an incident, a channel note). */
  reply: 'thread' | 'channel' | null;
  /** The reply is also shown in the channel (Slack reply_broadcast). */
  broadcast: boolean;
  /** The root is edited: `live` (coalesced), `final` (the resolved view, always delivered), or not. */
  edit: 'live' | 'final' | null;
}

/** The rules, in one place: which event edits the root, which becomes a reply, which broadcasts. */
export function planEvent(e: NocEvent): EventPlan {
  switch (e.kind) {
    case 'opened':
      return { root: true, reply: 'thread', broadcast: true, edit: null };
    case 'resolved':
      return { root: true, reply: 'thread', broadcast: true, edit: 'final' };
    case 'members_changed':
      // After the recovery (members it left down checked again): the resolved root, redrawn with them.
      return { root: true, reply: 'thread', broadcast: false, edit: e.incident.state === 'resolved' ? 'final' : 'live' };
    case 'acked':
    case 'reminder':
    case 'silenced':
      return { root: true, reply: 'thread', broadcast: false, edit: 'live' };
    case 'flapping':
      // The thread of its scope's latest incident when there is one, else a channel note.
      return { root: false, reply: 'thread', broadcast: false, edit: null };
    case 'budget_warning':
    case 'intake_note':
    case 'intake_summary':
      return { root: false, reply: 'channel', broadcast: false, edit: null };
    case 'intake_group_resolved':
      // Often right after the recovery: its root already shows the final view.
      return { root: true, reply: 'thread', broadcast: false, edit: null };
    case 'intake_resolved':
      return { root: true, reply: 'thread', broadcast: false, edit: 'live' };
  }
}

/** The watch entry an incident belongs to: its own scope, then its group, then `all`. */
export function entryFor(i: Pick<Incident, 'scope' | 'group'>, watches: readonly WatchEntry[]): WatchEntry | null {
  const key = (w: WatchEntry) => (w.kind === 'all' ? 'all' : `${w.kind}:${w.ref}`);
  return watches.find((w) => key(w) === i.scope) ?? (i.group ? watches.find((w) => key(w) === i.group) : undefined) ?? watches.find((w) => w.kind === 'all') ?? null;
}

export interface NocChatDeps {
  store: NocMessageStore;
  /** The chat surfaces running in this process that may carry the NOC, with their default channels. */
  channels: readonly NocChannel[];
  /** The watch list (an entry's channel overrides the default). */
  watches: () => Promise<WatchEntry[]>;
  locale: Locale;
  clock: Clock;
  logger: Logger;
  /** How long a delivery waits for a surface still connecting before it fails (the outbox retries). */
  connectTimeoutMs?: number;
  /**
   * The open incidents (the store's): their roots are redrawn when a surface connects (a restart
   * shows the state at once) and every `refreshMs` (default 60 s), so "since 10:42 (12 min)" moves.
   */
  openIncidents?: () => Promise<Incident[]>;
  refreshMs?: number;
  /** Recent incidents, newest first (a flapping notice goes into its scope's latest thread). */
  recentIncidents?: () => Promise<Incident[]>;
  /** Whether this replica leads (util/leadership): only the leader redraws roots, standbys leave them be. */
  leads?: () => boolean;
}

/** The NOC notifier for chat, plus what the surfaces and the buttons need of it. */
export interface NocChat extends NocNotifier {
  /** A surface is connected: events for it can go out. */
  attach(port: ChatPort): void;
  /** A reply in the incident's thread on every surface where it lives (Check now results); best effort. */
  replyInThreads(incidentId: number, text: string): Promise<void>;
  /** Stops redrawing roots (shutdown, or another process runs the watcher and draws them). */
  stop(): void;
}

/** The conversation id NOC buttons carry: the incident id, so they work after a restart. */
export const nocConversationId = (incidentId: number): string => String(incidentId);

export function createNocChat(deps: NocChatDeps): NocChat {
  const { store, clock, locale } = deps;
  const log = deps.logger.child({ component: 'noc-chat' });
  const ports = new Map<string, ChatPort>();
  const waiting = new Map<string, (() => void)[]>();
  /** One live root per incident and surface in this process. */
  const roots = new Map<string, LiveMessage<View>>();
  /** Roots brought to their resolved view: a redraw must never reopen them. */
  const finished = new Set<string>();
  const stopper = new AbortController();
  let refreshing = false;
  const surfaces = deps.channels.map((c) => c.surface);
  const noc = new Map(deps.channels.map((c) => [c.surface, c]));
  const fits = (channel: string, surface: string) => noc.get(surface)?.owns(channel) ?? false;

  const portOf = async (surface: string): Promise<ChatPort> => {
    const ready = ports.get(surface);
    if (ready) return ready;
    const stop = new AbortController();
    await Promise.race([
      new Promise<void>((resolve) => waiting.set(surface, [...(waiting.get(surface) ?? []), resolve])),
      clock.sleep(deps.connectTimeoutMs ?? 30_000, stop.signal).catch(() => undefined),
    ]);
    stop.abort();
    const port = ports.get(surface);
    if (!port) throw new Error(`${surface} is not connected yet; the NOC event waits in the outbox`);
    return port;
  };

  const channelFor = async (surface: string, incident: Pick<Incident, 'scope' | 'group'> | null): Promise<string | null> => {
    if (incident) {
      const watches = await deps.watches().catch((err: unknown) => {
        log.warn({ err }, 'could not read the watch list; using the default NOC channel');
        return [];
      });
      const own = entryFor(incident, watches)?.channel;
      if (own && fits(own, surface)) return own;
      // A watch entry with a channel of the other platform: this platform keeps its default.
    }
    return noc.get(surface)?.channel ?? null;
  };

  const message = (incident: Incident, view: View) => ({ view, role: 'full' as const, conversationId: nocConversationId(incident.id), locale });

  const rootOf = (port: ChatPort, surface: string, incident: Incident, refs: IncidentMessages & { rootId: string }): LiveMessage<View> => {
    const key = `${surface}:${incident.id}`;
    let root = roots.get(key);
    if (!root) {
      root = createLiveMessage<View>(
        async (view) => {
          await port.edit({ channel: refs.channel, thread: null }, refs.rootId, message(incident, view));
        },
        { budget: port.editBudget, clock, logger: log, minIntervalMs: port.minEditIntervalMs, name: `${surface}:noc#${incident.id}` },
      );
      roots.set(key, root);
    }
    return root;
  };

  /** The incident's root and thread on this surface, posted first if they do not exist yet. */
  const ensureRoot = async (
    port: ChatPort,
    surface: string,
    incident: Incident,
  ): Promise<(IncidentMessages & { rootId: string; threadId: string; posted: boolean }) | null> => {
    let posted = false;
    let refs = await store.messages(incident.id, surface);
    if (!refs) {
      const channel = await channelFor(surface, incident);
      if (!channel) return null;
      refs = { channel, rootId: null, threadId: null };
      // Recorded before the post: after a crash inside it we know a post may have gone out.
      await store.saveMessages(incident.id, surface, refs, clock.now());
    } else if (!refs.rootId) {
      log.warn({ incident: incident.id, surface }, 'the root was not posted yet (a failed post, or a restart cut it short); posting it');
    }
    if (!refs.rootId) {
      const rootId = await port.post({ channel: refs.channel, thread: null }, message(incident, renderIncident(incident, locale, clock.now())));
      refs = { ...refs, rootId };
      posted = true;
      await store.saveMessages(incident.id, surface, refs, clock.now());
      log.info({ incident: incident.id, surface, channel: refs.channel, rootId }, 'incident posted');
    }
    if (!refs.threadId) {
      const threadId = port.openThread ? await port.openThread({ channel: refs.channel, thread: null }, refs.rootId as string, incident.label) : (refs.rootId as string);
      refs = { ...refs, threadId };
      await store.saveMessages(incident.id, surface, refs, clock.now());
    }
    return { ...(refs as IncidentMessages & { rootId: string; threadId: string }), posted };
  };

  /** One post of one event, at most once per outbox id unless a crash cut it short (then again). */
  const postOnce = async (outboxId: number, surface: string, step: PostStep, send: () => Promise<void>): Promise<void> => {
    const done = await store.post(outboxId, surface, step);
    if (done?.state === 'sent') {
      log.info({ outboxId, surface, step }, 'already posted before a restart; not posting it twice');
      return;
    }
    if (done?.state === 'sending') log.warn({ outboxId, surface, step }, 'a restart cut this post short; it may have gone out: posting it again');
    await store.recordPost(outboxId, surface, step, 'sending', null, clock.now());
    try {
      await send();
    } catch (err) {
      // The platform answered with an error: nothing was posted, the outbox tries again.
      await store.clearPost(outboxId, surface, step).catch(() => undefined);
      throw err;
    }
    await store.recordPost(outboxId, surface, step, 'sent', null, clock.now());
  };

  const deliverOn = async (surface: string, event: NocEvent, outboxId: number): Promise<void> => {
    const plan = planEvent(event);
    const incident = 'incident' in event ? event.incident : null;
    if (!incident && event.kind === 'flapping' && deps.recentIncidents) {
      const latest = (await deps.recentIncidents().catch(() => [] as Incident[])).find((i) => i.scope === event.scope);
      const refs = latest ? await store.messages(latest.id, surface) : null;
      if (refs?.threadId) {
        const port = await portOf(surface);
        const thread = refs.threadId;
        await postOnce(outboxId, surface, 'reply', () => port.reply({ channel: refs.channel, thread }, null, eventReply(event, locale), { mention: null }));
        return;
      }
    }
    if (!incident) {
      // A `/hooks/check` sender may name the channel its note goes to.
      const asked = event.kind === 'intake_note' || event.kind === 'intake_summary' ? event.channel : null;
      const channel = asked && fits(asked, surface) ? asked : await channelFor(surface, null);
      if (!channel || plan.reply === null) return;
      const port = await portOf(surface);
      await postOnce(outboxId, surface, 'note', () => port.reply({ channel, thread: null }, null, eventReply(event, locale), { mention: null }));
      return;
    }
    // An incident that never got a root here (announced before a channel was set) gets one now.
    const known = await store.messages(incident.id, surface);
    if (!known && !(await channelFor(surface, incident))) return;
    const port = await portOf(surface);
    const refs = await ensureRoot(port, surface, incident);
    if (!refs) return;
    if (plan.reply) {
      await postOnce(outboxId, surface, 'reply', () =>
        port.reply({ channel: refs.channel, thread: refs.threadId }, null, eventReply(event, locale), { mention: null, broadcast: plan.broadcast }),
      );
    }
    const view = renderIncident(incident, locale, clock.now());
    const root = rootOf(port, surface, incident, refs);
    if (plan.edit === 'final') {
      // Always delivered (429s waited out); the outbox marks the event sent only after it.
      finished.add(`${surface}:${incident.id}`);
      await root.finish(view);
      roots.delete(`${surface}:${incident.id}`);
    } else if (plan.edit === 'live' && incident.state !== 'resolved' && !refs.posted) {
      // (A root posted just now already shows this view.)
      root.update(view);
    }
  };

  /** Redraws the roots of open incidents (on one surface, or all). Best effort. */
  const refresh = async (only?: string): Promise<void> => {
    if (!deps.openIncidents) return;
    const open = await deps.openIncidents().catch((err: unknown) => {
      log.warn({ err }, 'could not read the open incidents');
      return [] as Incident[];
    });
    for (const incident of open) {
      if (!incident.alerted) continue;
      for (const surface of surfaces) {
        const port = ports.get(surface);
        if ((only && surface !== only) || !port || finished.has(`${surface}:${incident.id}`)) continue;
        const refs = await store.messages(incident.id, surface).catch(() => null);
        if (!refs?.rootId) continue;
        rootOf(port, surface, incident, { ...refs, rootId: refs.rootId }).update(renderIncident(incident, locale, clock.now()));
      }
    }
  };

  const refreshLoop = async () => {
    const every = deps.refreshMs ?? 60_000;
    for (;;) {
      await clock.sleep(every, stopper.signal);
      if (deps.leads?.() === false) continue;
      await refresh();
    }
  };

  return {
    async deliver(event, outboxId) {
      // Every surface is tried; one that fails makes the whole event fail, and a redelivery
      // skips what the others already posted (recorded per outbox id and surface).
      const results = await Promise.allSettled(
        surfaces.map(async (s) => {
          try {
            await deliverOn(s, event, outboxId);
          } catch (err) {
            const permanent = ports.get(s)?.permanentFailure?.(err) ?? null;
            if (permanent === null) throw err;
            // Retrying cannot help (not in the channel, channel gone): said loudly, not held in the outbox.
            log.error({ surface: s, outboxId, event: event.kind, reason: permanent }, 'the NOC channel refused this post; fix the channel or invite the bot (event skipped there)');
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    attach(port) {
      ports.set(port.surface, port);
      for (const resolve of waiting.get(port.surface) ?? []) resolve();
      waiting.delete(port.surface);
      log.info({ surface: port.surface }, 'NOC channel connected');
      if (stopper.signal.aborted) return;
      if (deps.leads?.() !== false) void refresh(port.surface);
      if (deps.openIncidents && !refreshing) {
        refreshing = true;
        void refreshLoop().catch(() => undefined);
      }
    },
    stop() {
      stopper.abort();
    },
    async replyInThreads(incidentId, text) {
      await Promise.all(
        surfaces.map(async (surface) => {
          const refs = await store.messages(incidentId, surface);
          const port = ports.get(surface);
          if (!refs?.threadId || !port) return;
          await port
            .reply({ channel: refs.channel, thread: refs.threadId }, null, text, { mention: null })
            .catch((err: unknown) => log.warn({ err, incident: incidentId, surface }, 'thread reply failed'));
        }),
      );
    },
  };
}
