import { randomBytes } from 'node:crypto';
import type { CheckState, DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { CheckHandle, PingChecker } from '../core/ping-service.types.js';
import type { Directory } from '../directory/types.js';
import { historyText, lastCheckLine } from '../present/history.js';
import { renderCheck, renderVerdictNotice } from '../present/render.js';
import type { View } from '../present/view.js';
import { SIGNALS_MAX, type CheckStore, type StoredCheck } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import { childWith, type Logger } from '../util/logger.js';
import { createSemaphore } from '../util/semaphore.js';
import { createAccess, mayCancel, type Access, type AccessSettings } from './access.js';
import { parseRequest } from './request.js';
import { createFinalBacklog, DEFAULT_FINALS_IN_MEMORY } from './final-backlog.js';
import { createLiveMessage } from './live-message.js';
import type { LiveMessage } from './live-message.types.js';
import { parseCheck, resolveCheck } from './ping-flow.js';
import type { ChatPort, MessageRole, Person, Place, PrivateAnswer } from './port.js';
import type { FollowUp } from './surface.js';
import type { HeldTicket } from './held-requests.js';
import { ownerGone, signalTarget, type Ownership } from './owners.js';
import { tickState } from './tick.js';
import { engineWords, refusalText } from './words.js';
import { NO_LONGER_NEEDED } from '../util/abort.js';

/** What the engine needs; one engine per surface, all sharing the checker, directory and store. */
export interface EngineDeps {
  port: ChatPort;
  checker: PingChecker;
  directory: Directory;
  store: CheckStore;
  clock: Clock;
  logger: Logger;
  /** Default packets and the deadline of one check (config.polling). */
  polling: { packets: number; timeoutMs: number };
  /** The shared rules (one per process, so Check now and /ping share a person's limit), or settings for this engine alone. */
  access: Access | AccessSettings;
  /** Conversations posting their first messages at once; the rest wait (Slack: acks first). */
  openConcurrency?: number;
  /** How often a running status is redrawn so its clock moves (default 1000 ms; 0: only on state changes). */
  tickMs?: number;
  /** Where a request's I/O after its admission and parse runs (SurfacePacing.followUp); default: at once. */
  followUp?: FollowUp;
  /** Checks of this surface are picked up after a restart (false for the shell: its terminal is gone). */
  resumable?: boolean;
  /**
   * Replicas on one store (chat/owners): checks are written with this replica as owner, and only
   * checks whose owner is gone are adopted, at start and every `everyMs`. Without it, every
   * unfinished check of the surface is taken at start (one process per store).
   */
  owners?: Ownership;
  /** Conversations whose final edits wait in memory at once; beyond, in the store (chat/final-backlog). */
  finalsInMemory?: number;
}

/** A request typed by a person: `/ping …`, a mention, a DM. */
export interface TextRequest {
  text: string;
  /** A packet count given apart from the text (Discord's option); wins over one in the text. */
  packets?: number | null;
  person: Person;
  place: Place;
  answer: PrivateAnswer;
  /** The surface's handle of this request (a Discord interaction), passed back to `post`. */
  origin?: unknown;
  /** Held in the store until taken up (chat/held-requests): its check takes the ticket's key as id. */
  held?: HeldTicket;
}

/** A Cancel click. */
export interface CancelRequest {
  conversationId: string;
  /** Where the button was clicked: a button of another channel's conversation cancels nothing. */
  channel?: string;
  person: Person;
  answer: PrivateAnswer;
}

/** A Re-run click: a fresh check of the same client and packets, in the same place. */
export interface RerunRequest {
  conversationId: string | null;
  /** For buttons from before the store (no conversation id): what to run. */
  fallback?: { serviceId: number; packets: number | null };
  person: Person;
  place: Place;
  answer: PrivateAnswer;
  origin?: unknown;
}

export interface ConversationEngine {
  /** Handles what a person typed; resolves when the conversation it started (if any) is over. */
  request(req: TextRequest): Promise<void>;
  cancel(req: CancelRequest): Promise<void>;
  rerun(req: RerunRequest): Promise<void>;
  /** Picks up this surface's checks that a previous process left unfinished. */
  resume(): Promise<void>;
  /** Conversations running now. */
  readonly running: number;
  /** Conversations whose final edits wait: in memory for the edit budget, or in the store behind them (chat/final-backlog). */
  readonly finalEdits: { inMemory: number; inStore: number };
  /**
   * Takes no new requests, lets running conversations finish for up to `graceMs`, then lets go
   * of the rest without touching their messages or rows: the next start resumes them.
   */
  stop(graceMs: number): Promise<void>;
  /** Cancels every running conversation (the shell's /quit) and waits for their final views. */
  cancelAll(by: string | null): Promise<void>;
}

/** One conversation this process follows. */
interface Live {
  row: StoredCheck;
  handle: CheckHandle;
  status: LiveMessage<View>;
  /** The root card only changes at the verdict: its LiveMessage is made then. */
  root: string | null;
  cancelledBy: string | null;
  finished: Promise<void>;
}

const newId = (): string => randomBytes(8).toString('hex');

/** The one conversation every chat surface runs: see docs/architecture.md. */
export function createConversationEngine(deps: EngineDeps): ConversationEngine {
  const { port, store, clock, checker } = deps;
  const log = childWith(deps.logger, { surface: port.surface });
  const tickMs = deps.tickMs ?? 1000;
  const access = 'admit' in deps.access ? deps.access : createAccess(deps.access);
  const opening = createSemaphore(deps.openConcurrency ?? 1000);
  const followUp: FollowUp = deps.followUp ?? ((work) => work());
  const live = new Map<string, Live>();
  /** Thread (or re-run source) → conversation running there, so a double-clicked Re-run starts one. */
  const busyPlaces = new Set<string>();
  let stopping = false;
  let detached = false;
  /** Set by cancelAll: a look-up that ends after it starts no check. */
  let cancelled = false;

  /** Store writes must never take a conversation down: a failure is logged and the chat goes on. */
  /**
   * A store write nobody waits for: the store applies one check's writes in call order, and a
   * failure is logged, never fatal to the check.
   */
  const writeFailed = (what: string) => (err: unknown) => log.error({ err, what }, 'store write failed; the check goes on without it');
  const persist = (what: string, fn: () => Promise<void>): void => {
    const failed = writeFailed(what);
    try {
      fn().catch(failed);
    } catch (err) {
      failed(err);
    }
  };

  const viewOf = (row: StoredCheck, state: CheckState, last: ReturnType<typeof lastCheckLine> | null): View => {
    const view = renderCheck(state, row.client, row.locale, { now: clock.now(), timeoutMs: row.deadlineAt - row.startedAt });
    if (last) view.fields.push(last);
    return view;
  };

  /** `shown`: the view this process just posted into the message, so an equal update is not sent again. */
  const liveMessage = (row: StoredCheck, messageId: string, role: MessageRole, logger: Logger, shown?: View): LiveMessage<View> => {
    let id = messageId;
    return createLiveMessage<View>(
      async (view) => {
        const moved = await port.edit(row.place, id, { view, role, conversationId: row.id, locale: row.locale });
        if (moved && moved !== id) {
          id = moved;
          const messages = { ...row.messages, [role === 'root' ? 'root' : 'status']: moved };
          row.messages = messages;
          persist('messages', () => store.update(row.id, { messages }, clock.now()));
        }
      },
      {
        budget: port.editBudget,
        clock,
        logger,
        minIntervalMs: port.minEditIntervalMs,
        name: `${port.surface}:${row.place.channel}/${messageId}`,
        ...(shown ? { shown } : {}),
      },
    );
  };

  const privately = async (answer: PrivateAnswer, text: string) => {
    try {
      await answer(text);
    } catch (err) {
      log.warn({ err }, 'private answer failed');
    }
  };

  /**
   * This process is stopping and starts nothing more. A request held in the store is handed
   * over (the next start, or another replica, runs it); any other is asked again.
   */
  const refuseStopping = (person: Person, answer: PrivateAnswer, held: HeldTicket | undefined) => {
    const w = engineWords(person.locale);
    if (!held) return privately(answer, w.restarting);
    held.handOver();
    log.info({ check: held.key, user: person.id }, 'stopping: request handed over (it runs at the next start or on another replica)');
    return privately(answer, w.restartingKept);
  };

  /** Access, rate and stopping rules shared by typed requests and Re-run; a refusal is answered here. */
  const admitted = async (person: Person, place: Place, answer: PrivateAnswer, countsAsPing: boolean, held?: HeldTicket): Promise<boolean> => {
    if (stopping) {
      await refuseStopping(person, answer, held);
      return false;
    }
    const refused = access.admit(person, { surface: port.surface, channel: place.channel, counts: countsAsPing, now: clock.now() });
    if (refused) {
      log.info({ channel: place.channel, user: person.id, refused: refused.kind, ...(refused.kind === 'rate' ? { retryInMs: refused.retryInMs } : {}) }, 'request refused');
      await privately(answer, refusalText(refused, person.locale));
      return false;
    }
    return true;
  };

  /** Starts a conversation: the row, the root card (where the surface has them), the check, the status message. */
  const open = async (o: {
    person: Person;
    place: Place;
    answer: PrivateAnswer;
    origin?: unknown;
    serviceId: number;
    client: ClientRecord | null;
    packets: number;
    fresh: boolean;
    /** A root card from an earlier conversation to keep up to date (Re-run under a root). */
    rootId?: string | null;
    /** A held request's ticket: the check takes its key, and lets it go once the row is written. */
    held?: HeldTicket;
  }): Promise<void> => {
    const now = clock.now();
    const previous = await safeLast(store, o.serviceId, log);
    const last = previous ? lastCheckLine(previous, now, o.person.locale) : null;
    const row: StoredCheck = {
      id: o.held?.key ?? newId(),
      serviceId: o.serviceId,
      packets: o.packets,
      taskId: null,
      requester: o.person.id,
      requesterName: o.person.name,
      surface: port.surface,
      place: { ...o.place },
      messages: o.rootId ? { root: o.rootId } : {},
      locale: o.person.locale,
      client: o.client,
      state: 'starting',
      verdict: null,
      final: null,
      lossPct: null,
      rttMs: null,
      startedAt: now,
      deadlineAt: now + deps.polling.timeoutMs,
      updatedAt: now,
      finishedAt: null,
      mention: 'none',
      delivered: false,
      owner: deps.owners?.me.id ?? null,
    };
    const clog = log.child({ check: row.id, serviceId: row.serviceId, channel: row.place.channel });
    persist('insert', () =>
      store.insert(
        {
          id: row.id,
          serviceId: row.serviceId,
          packets: row.packets,
          requester: row.requester,
          requesterName: row.requesterName,
          surface: row.surface,
          place: row.place,
          messages: row.messages,
          locale: row.locale,
          client: row.client,
          startedAt: row.startedAt,
          deadlineAt: row.deadlineAt,
          owner: row.owner ?? null,
        },
        now,
      ).then(() => o.held?.release()),
    );

    const release = await opening.acquire();
    let handle: CheckHandle | null = null;
    let posted: View | undefined;
    try {
      const starting: CheckState = { kind: 'starting', serviceId: row.serviceId, elapsedMs: 0 };
      if (!row.place.thread && port.rootCards) {
        const rootId = await port.post(row.place, { view: viewOf(row, starting, last), role: 'root', conversationId: row.id, locale: row.locale }, o.origin);
        row.messages = { root: rootId };
        row.place = { channel: row.place.channel, thread: rootId };
        // Kept at once: a crash before the status message exists still knows where the card is.
        persist('root', () => store.update(row.id, { messages: row.messages, thread: rootId }, clock.now()));
      }
      if (!o.fresh) await checker.recall(row.serviceId, row.packets);
      handle = checker.check(row.serviceId, { priority: 'interactive', fresh: o.fresh, packets: row.packets });
      const role: MessageRole = row.messages.root ? 'status' : 'full';
      posted = viewOf(row, handle.current(), last);
      const statusId = await port.post(row.place, { view: posted, role, conversationId: row.id, locale: row.locale }, row.messages.root ? undefined : o.origin);
      row.messages = { ...row.messages, status: statusId };
    } catch (err) {
      handle?.cancel(`${port.surface}:post-failed`);
      clog.warn({ err }, 'could not post the conversation; check abandoned');
      persist('abandon', () => store.update(row.id, { state: 'post_failed', delivered: true }, clock.now()));
      await privately(o.answer, port.postFailedText(err, row.locale));
      return;
    } finally {
      release();
    }
    persist('messages', () => store.update(row.id, { messages: row.messages, thread: row.place.thread }, clock.now()));
    clog.info({ requester: row.requester, packets: row.packets, messages: row.messages }, 'check started');
    await follow(row, handle, last, clog, posted);
  };

  /** Follows a check to its end: live edits, state writes, then the verdict delivered once. */
  const follow = async (
    row: StoredCheck,
    handle: CheckHandle,
    last: ReturnType<typeof lastCheckLine> | null,
    clog: Logger,
    posted?: View,
  ): Promise<void> => {
    const statusId = row.messages.status;
    if (!statusId) return;
    const role: MessageRole = row.messages.root ? 'status' : 'full';
    const entry: Live = {
      row,
      handle,
      status: liveMessage(row, statusId, role, clog, posted),
      root: row.messages.root ?? null,
      cancelledBy: null,
      finished: Promise.resolve(),
    };
    const placeKey = `${row.place.channel}/${row.place.thread ?? row.id}`;
    live.set(row.id, entry);
    busyPlaces.add(placeKey);
    let resolveFinished: () => void = () => {};
    entry.finished = new Promise((r) => (resolveFinished = r));

    // The status line's clock moves between states: the message is offered a redraw every tick.
    // It draws the newest state as it reads at that moment, and only when an edit can go out.
    let current: { state: CheckState; at: number } = { state: handle.current(), at: clock.now() };
    const draw = () => viewOf(row, tickState(current.state, current.at, clock.now(), row.startedAt), last);
    const ticker = new AbortController();
    const tick = async () => {
      if (tickMs <= 0) return;
      for (;;) {
        await clock.sleep(tickMs, ticker.signal);
        entry.status.offer(draw);
      }
    };
    void tick().catch(() => undefined);

    let done: DoneState;
    try {
      for await (const state of handle.states) {
        if (state.kind === 'done') break;
        current = { state, at: clock.now() };
        // The row keeps what a restart needs: the task id, once it is known (with the state that
        // brought it). Queued, polling and retrying are this process's to show, and nothing reads
        // them back: writing each change was three more writes per check.
        const taskId = 'taskId' in state ? state.taskId : null;
        if (taskId && taskId !== row.taskId) {
          row.taskId = taskId;
          if (!detached) persist('task', () => store.update(row.id, { state: state.kind, taskId }, clock.now()));
        }
        entry.status.offer(draw);
      }
      done = await handle.done;
    } catch (err) {
      clog.error({ err }, 'following the check failed');
      done = await handle.done;
    } finally {
      ticker.abort(NO_LONGER_NEEDED);
      live.delete(row.id);
      busyPlaces.delete(placeKey);
    }
    // The service closing under us (process exit) is not a cancel anyone asked for.
    const shutdown = done.reason.kind === 'cancelled' && done.reason.by === 'shutdown' && entry.cancelledBy === null;
    if (detached || shutdown) {
      // Stopped for a restart: the row stays open and the next process finishes the job.
      clog.info({ taskId: row.taskId }, 'left for the next start to resume');
      resolveFinished();
      return;
    }
    const selfCancelled = done.reason.kind === 'cancelled' && entry.cancelledBy === row.requester;
    await deliver(row, done, entry, last, clog, { quiet: selfCancelled });
    resolveFinished();
  };

  /**
   * Writes the verdict, notifies the requester once, and brings every message to the final view,
   * or, when the final edits are behind the edit budget, leaves them waiting in the store.
   * `quiet`: no notification (the requester cancelled it). `held`: the backlog already holds a
   * place for this check (it was taken back from the store).
   */
  const deliver = async (
    row: StoredCheck,
    done: DoneState,
    entry: Pick<Live, 'status' | 'root'>,
    last: ReturnType<typeof lastCheckLine> | null,
    clog: Logger,
    o: { quiet: boolean; held?: boolean },
  ): Promise<void> => {
    const { quiet } = o;
    const held = o.held === true;
    if (row.state !== 'done') persist('final', () => store.update(row.id, { final: done }, clock.now()));
    row.state = 'done';
    row.final = done;
    clog.info({ taskId: done.taskId, verdict: done.verdict, reason: done.reason.kind, polls: done.polls, cached: done.cached, elapsedMs: done.elapsedMs, lossPct: done.lossPct, rttMs: done.rttMs }, 'verdict');
    const view = viewOf(row, done, last);
    const notify = async () => {
      if (row.mention === 'sending' || row.mention === 'sent' || row.mention === 'skipped') {
        if (row.mention === 'sending') clog.warn('the notification may have gone out already (before a restart, or just now); not sending it twice');
        return;
      }
      if (quiet) {
        persist('mention', () => store.update(row.id, { mention: 'skipped' }, clock.now()));
        return;
      }
      // Recorded before the post, and the store's answer awaited (a server database may still be
      // writing it): a crash in between loses this one notification rather than doubling it.
      // A failed write is logged and the post goes on, as before (the store degrades rather than refuses).
      row.mention = 'sending';
      try {
        await store.update(row.id, { mention: 'sending' }, clock.now());
      } catch (err) {
        writeFailed('mention')(err);
      }
      await port.reply(row.place, row.messages.status ?? null, renderVerdictNotice(done, row.client, row.locale, { now: clock.now() }), { mention: row.requester });
      row.mention = 'sent';
      persist('mention', () => store.update(row.id, { mention: 'sent' }, clock.now()));
    };
    const now = held || finals.enter(row.id);
    // Its final goes out later through a new LiveMessage: nothing older may land after it.
    if (!now) entry.status.abandon();
    try {
      const results = await Promise.allSettled([
        notify(),
        now ? entry.status.finish(view) : Promise.resolve(),
        now && entry.root ? liveMessage(row, entry.root, 'root', clog).finish(view) : Promise.resolve(),
      ]);
      const what = ['notification', 'status message', 'root message'];
      results.forEach((r, i) => {
        if (r.status === 'rejected') clog.warn({ err: r.reason, taskId: done.taskId }, `final ${what[i]} not delivered`);
      });
      if (!now) {
        clog.debug({ taskId: done.taskId }, 'final edits wait in the store');
        return;
      }
      row.delivered = true;
      // Awaited before the place is given back: a read of the waiting finals that begins after
      // that, while a server database is still writing this, would see it undelivered and send
      // its final edits twice.
      await store.update(row.id, { delivered: true }, clock.now()).catch(writeFailed('delivered'));
    } finally {
      if (now && !held) finals.leave(row.id);
    }
  };

  /** A stored check's messages made live again, and the card's "Last check" line as it stood when it began. */
  const reopen = async (row: StoredCheck, statusId: string, clog: Logger) => {
    const before = await safeLast(store, row.serviceId, log, row.startedAt);
    const last = before ? lastCheckLine(before, row.startedAt, row.locale) : null;
    const role: MessageRole = row.messages.root ? 'status' : 'full';
    const entry = { status: liveMessage(row, statusId, role, clog), root: row.messages.root ?? null };
    return { entry, last };
  };

  /** Every request, re-run and resume in progress: stop waits for them (bounded). */
  const pending = new Set<Promise<void>>();
  const track = async (p: Promise<void>): Promise<void> => {
    try {
      await p;
    } catch (err) {
      log.error({ err }, 'conversation failed');
    }
  };
  /** Runs a request as pending work; an unexpected failure is logged and, where there is a person, answered. */
  const pend = <A>(fn: (a: A) => Promise<void>) => (a: A): Promise<void> => {
    const p = fn(a).catch(async (err: unknown) => {
      log.error({ err }, 'conversation failed');
      const who = a as { answer?: PrivateAnswer; person?: Person } | undefined;
      if (who?.answer && who.person) await privately(who.answer, engineWords(who.person.locale).failed);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const finals = createFinalBacklog({
    inMemory: deps.finalsInMemory ?? DEFAULT_FINALS_IN_MEMORY,
    load: (limit) => store.awaitingFinals(port.surface, deps.owners?.me.id ?? null, limit),
    // Tracked as pending work: a stop's grace covers these edits too.
    deliver: pend<StoredCheck>(async (row) => {
      const clog = log.child({ check: row.id, serviceId: row.serviceId, taskId: row.taskId });
      const statusId = row.messages.status;
      if (!row.final) return;
      if (!statusId) {
        // Resume closes these before a verdict; should one get here, nothing waits on it.
        persist('abandon', () => store.update(row.id, { delivered: true }, clock.now()));
        return;
      }
      const { entry, last } = await reopen(row, statusId, clog);
      await deliver(row, row.final, entry, last, clog, { quiet: false, held: true });
    }),
    clock,
    logger: log,
  });

  /**
   * The unfinished checks of this surface this replica may take, claimed for it: all of them
   * without owners (one process), else those whose owner is gone, each one by compare-and-set.
   */
  const adoptable = async (): Promise<StoredCheck[]> => {
    // The checks this replica owns are the ones it follows (a replica's id is new at each start).
    const rows = (await store.unfinished(port.surface, deps.owners?.me.id)).filter((r) => !live.has(r.id));
    const o = deps.owners;
    if (!o || rows.length === 0) return rows;
    const now = clock.now();
    const replicas = await store.replicas(now);
    const mine: StoredCheck[] = [];
    for (const row of rows) {
      if (!ownerGone(row.owner, o, replicas, now)) continue;
      if (await store.adopt(row.id, row.owner ?? null, o.me.id, now)) {
        log.info({ check: row.id, serviceId: row.serviceId, from: row.owner ?? null }, 'check adopted: its owner is gone');
        mine.push({ ...row, owner: o.me.id });
      }
    }
    log.debug({ unfinished: rows.length, adopted: mine.length }, 'adoption pass');
    return mine;
  };
  /**
   * Cancel of a check another live replica follows: passed to its owner through the store (it
   * edits the messages to "Cancelled by …"). True when passed on (or refused here).
   */
  const cancelElsewhere = async (req: CancelRequest): Promise<boolean> => {
    const o = deps.owners;
    if (!o?.signals) return false;
    const row = await safeGet(store, req.conversationId, log);
    if (!row || row.delivered || !row.owner || row.owner === o.me.id) return false;
    if (req.channel !== undefined && req.channel !== row.place.channel) return false;
    if (!mayCancel(req.person, row.requester, access.settings.admins)) {
      log.info({ check: row.id, user: req.person.id, requester: row.requester }, 'cancel refused');
      await privately(req.answer, engineWords(req.person.locale).cancelRefused(row.requesterName ?? row.requester));
      return true;
    }
    const id = await o.signals.send(signalTarget(row.owner, row.surface), 'cancel', { conversationId: row.id, person: req.person }, clock.now(), SIGNALS_MAX).catch((err: unknown) => {
      log.warn({ err, check: row.id }, 'could not pass the cancel to the replica following the check');
      return null;
    });
    if (id === null) return false;
    log.info({ check: row.id, user: req.person.id, owner: row.owner, signal: id }, 'cancel passed to the replica following the check');
    return true;
  };
  /** Cancels pressed on other replicas for checks this one follows. */
  const followSignals = async (o: Ownership, signals: NonNullable<Ownership['signals']>) => {
    const everyMs = Math.min(1000, o.everyMs);
    for (;;) {
      await clock.sleep(everyMs, adopting.signal);
      try {
        for (const s of await signals.take(signalTarget(o.me.id, port.surface), 50)) {
          const b = s.body as { conversationId: string; person: Person };
          const entry = live.get(b.conversationId);
          if (s.kind === 'cancel' && entry) {
            log.info({ check: b.conversationId, user: b.person.id, signal: s.id }, 'cancel from another replica');
            entry.cancelledBy = b.person.id;
            entry.handle.cancel(b.person.name);
          }
          await signals.done([s.id], clock.now());
        }
      } catch (err) {
        log.warn({ err }, 'could not read signals from other replicas; trying again');
      }
    }
  };
  const adopting = new AbortController();
  let adoptLoop = false;
  /** With owners, checks of replicas that die later are looked for every period. */
  const startAdopting = () => {
    const o = deps.owners;
    if (!o || adoptLoop || deps.resumable === false) return;
    adoptLoop = true;
    if (o.signals) void followSignals(o, o.signals).catch(() => undefined);
    void (async () => {
      for (;;) {
        await clock.sleep(o.everyMs, adopting.signal);
        if (stopping) return;
        await engine.resume();
      }
    })().catch(() => undefined);
  };

  const engine: ConversationEngine = {
    get running() {
      return live.size;
    },
    get finalEdits() {
      return { inMemory: finals.held, inStore: finals.inStore };
    },

    request: pend<TextRequest>(async (req) => {
      const parsed = parseRequest(req.text);
      const locale = req.person.locale;
      if (parsed.kind === 'history') {
        if (!(await admitted(req.person, req.place, req.answer, false, req.held))) return;
        const words = parseCheck(parsed.target, locale);
        if (!words.ok) return privately(req.answer, words.message);
        return followUp(async () => {
          const prep = await resolveCheck(words.command, { directory: deps.directory }, locale);
          if (!prep.ok) return privately(req.answer, prep.message);
          const rows = await store.history(prep.serviceId, 10);
          log.info({ user: req.person.id, serviceId: prep.serviceId, rows: rows.length }, 'history asked');
          return privately(req.answer, historyText(prep.serviceId, rows, clock.now(), locale));
        });
      }
      if (!(await admitted(req.person, req.place, req.answer, parsed.kind === 'ping', req.held))) return;
      // Help and typos are answered from the words, before any I/O; the look-up and the rest follow.
      const words = parseCheck(parsed.kind === 'ping' ? parsed.text : req.text, locale, { buttons: port.buttons !== false });
      if (!words.ok) {
        log.info({ channel: req.place.channel, user: req.person.id, reason: words.reason }, 'request refused');
        return privately(req.answer, words.message);
      }
      return followUp(async () => {
        // Replayed after its holder died: that replica may have written the check (the resume follows it).
        if (req.held?.replayed && (await safeGet(store, req.held.key, log))) {
          log.info({ check: req.held.key, user: req.person.id }, 'replayed request: its check had started; not started again');
          return;
        }
        const prep = await resolveCheck(words.command, { directory: deps.directory }, locale);
        if (!prep.ok) {
          log.info({ channel: req.place.channel, user: req.person.id, reason: prep.reason }, 'request refused');
          return privately(req.answer, prep.message);
        }
        // The look-up may have outlived the stop's grace: a check started now would outlive the process.
        if (detached) return refuseStopping(req.person, req.answer, req.held);
        if (cancelled) return;
        await track(
          open({
            person: req.person,
            place: req.place,
            answer: req.answer,
            origin: req.origin,
            serviceId: prep.serviceId,
            client: prep.client,
            packets: req.packets ?? prep.packets ?? deps.polling.packets,
            fresh: false,
            ...(req.held ? { held: req.held } : {}),
          }),
        );
      });
    }),

    async cancel(req) {
      const w = engineWords(req.person.locale);
      const entry = live.get(req.conversationId);
      if (!entry && (await cancelElsewhere(req))) return;
      if (!entry || (req.channel !== undefined && req.channel !== entry.row.place.channel)) return privately(req.answer, w.alreadyFinished);
      const { row } = entry;
      if (!mayCancel(req.person, row.requester, access.settings.admins)) {
        log.info({ check: row.id, user: req.person.id, requester: row.requester }, 'cancel refused');
        return privately(req.answer, w.cancelRefused(row.requesterName ?? row.requester));
      }
      log.info({ check: row.id, user: req.person.id, serviceId: row.serviceId }, 'cancel');
      entry.cancelledBy = req.person.id;
      entry.handle.cancel(req.person.name);
    },

    rerun: pend<RerunRequest>(async (req) => {
      const prior = req.conversationId ? await safeGet(store, req.conversationId, log) : null;
      const serviceId = prior?.serviceId ?? req.fallback?.serviceId;
      if (serviceId === undefined) return privately(req.answer, engineWords(req.person.locale).alreadyFinished);
      const place = prior && prior.place.channel === req.place.channel ? prior.place : req.place;
      const busyKey = `${place.channel}/${place.thread ?? `rerun:${prior?.id ?? serviceId}`}`;
      if (busyPlaces.has(busyKey)) {
        log.info({ channel: place.channel, serviceId }, 're-run ignored: a check already runs there');
        return;
      }
      if (!(await admitted(req.person, place, req.answer, true))) return;
      busyPlaces.add(busyKey);
      try {
        const client = prior?.client ?? (await deps.directory.client(serviceId).catch(() => null));
        log.info({ channel: place.channel, user: req.person.id, serviceId }, 're-run');
        await track(
          open({
            person: req.person,
            place,
            answer: req.answer,
            origin: req.origin,
            serviceId,
            client,
            packets: prior?.packets ?? req.fallback?.packets ?? deps.polling.packets,
            fresh: true,
            rootId: prior && place.thread && prior.messages.root === place.thread ? prior.messages.root : null,
          }),
        );
      } finally {
        busyPlaces.delete(busyKey);
      }
    }),

    resume: pend<void>(async () => {
      startAdopting();
      let open: StoredCheck[];
      try {
        open = await adoptable();
      } catch (err) {
        log.error({ err }, 'could not read unfinished checks from the store');
        return;
      }
      if (open.length === 0) return;
      log.info({ count: open.length }, deps.owners ? 'adopting checks whose owner is gone' : 'resuming checks left unfinished by the previous process');
      const jobs = open.map(async (row) => {
        const clog = log.child({ check: row.id, serviceId: row.serviceId, taskId: row.taskId });
        if (deps.resumable === false) {
          persist('abandon', () => store.update(row.id, { state: 'abandoned', delivered: true }, clock.now()));
          return;
        }
        let statusId = row.messages.status;
        if (!statusId) {
          // Stopped before its messages were all posted. The person was told "received" (an ack,
          // a deferral) and waits: what is missing is posted now, as the request would have.
          const starting: CheckState = { kind: 'starting', serviceId: row.serviceId, elapsedMs: 0 };
          if (!row.messages.root && row.taskId === null) {
            // Nothing of it ran: its clock starts now, and the row keeps the new one, so a second
            // restart does not time it out on the deadline it never had the time of.
            const now = clock.now();
            row.deadlineAt = now + (row.deadlineAt - row.startedAt);
            row.startedAt = now;
            persist('clock', () => store.update(row.id, { clock: { startedAt: row.startedAt, deadlineAt: row.deadlineAt } }, now));
          }
          try {
            if (!row.messages.root && !row.place.thread && port.rootCards) {
              const rootId = await port.post(row.place, { view: viewOf(row, starting, null), role: 'root', conversationId: row.id, locale: row.locale });
              row.messages = { root: rootId };
              row.place = { channel: row.place.channel, thread: rootId };
              persist('root', () => store.update(row.id, { messages: row.messages, thread: rootId }, clock.now()));
            }
            const role: MessageRole = row.messages.root ? 'status' : 'full';
            statusId = await port.post(row.place, { view: viewOf(row, starting, null), role, conversationId: row.id, locale: row.locale });
            row.messages = { ...row.messages, status: statusId };
            persist('messages', () => store.update(row.id, { messages: row.messages }, clock.now()));
            clog.info({ messages: row.messages }, 'unfinished check without its messages: posted now');
          } catch (err) {
            clog.warn({ err }, 'could not post the missing messages');
          }
        }
        if (!statusId) {
          // Its messages could not be posted: nothing to edit.
          clog.info('unfinished check without a status message; closed');
          persist('abandon', () => store.update(row.id, { state: 'abandoned', delivered: true }, clock.now()));
          return;
        }
        if (row.final) {
          // Taken back from the store with any others waiting there, oldest verdict first.
          clog.info('a verdict reached before the restart: its final edits go out from the store');
          finals.pickUp();
          return;
        }
        // The card keeps its "Last check" line: the newest verdict reached before this check began.
        const { entry, last } = await reopen(row, statusId, clog);
        const now = clock.now();
        if (now >= row.deadlineAt) {
          clog.info('deadline passed while pingops was down: timed out');
          const timedOut: DoneState = {
            kind: 'done',
            serviceId: row.serviceId,
            taskId: row.taskId,
            verdict: 'timed_out',
            message: null,
            polls: 0,
            elapsedMs: row.deadlineAt - row.startedAt,
            reason: { kind: 'deadline' },
            cached: false,
            lossPct: null,
            rttMs: null,
          };
          return deliver(row, timedOut, entry, last, clog, { quiet: false });
        }
        const handle = row.taskId
          ? checker.check(row.serviceId, { priority: 'interactive', packets: row.packets, resume: { taskId: row.taskId, startedAt: row.startedAt } })
          : checker.check(row.serviceId, { priority: 'interactive', packets: row.packets, fresh: true });
        clog.info({ resumedTask: row.taskId !== null }, 'check resumed');
        return follow(row, handle, last, clog);
      });
      await Promise.all(jobs.map((j) => track(Promise.resolve(j))));
    }),

    async stop(graceMs) {
      stopping = true;
      adopting.abort();
      finals.stop();
      const timer = new AbortController();
      await Promise.race([
        Promise.allSettled([...pending, ...[...live.values()].map((e) => e.finished)]),
        clock.sleep(graceMs, timer.signal).catch(() => undefined),
      ]);
      timer.abort();
      if (live.size > 0) log.info({ unfinished: live.size }, 'stopping with checks in flight: they resume at the next start');
      detached = true;
    },

    async cancelAll(by) {
      stopping = true;
      adopting.abort();
      cancelled = true;
      const all = [...live.values()];
      for (const e of all) e.handle.cancel(by ?? undefined);
      await Promise.allSettled(all.map((e) => e.finished));
    },
  };
  return engine;
}

async function safeLast(store: CheckStore, serviceId: number, log: Logger, before?: number): Promise<StoredCheck | null> {
  try {
    return await store.lastVerdict(serviceId, before);
  } catch (err) {
    log.warn({ err }, 'store read failed');
    return null;
  }
}

async function safeGet(store: CheckStore, id: string, log: Logger): Promise<StoredCheck | null> {
  try {
    return await store.get(id);
  } catch (err) {
    log.warn({ err }, 'store read failed');
    return null;
  }
}
