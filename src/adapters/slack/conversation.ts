import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { followCheck } from '../../chat/ping-flow.js';
import { createLiveMessage } from '../../chat/live-message.js';
import type { LiveMessage } from '../../chat/live-message.types.js';
import type { DoneState } from '../../core/check-state.js';
import type { ClientRecord } from '../../core/client.js';
import type { CheckHandle, PingChecker } from '../../core/ping-service.types.js';
import type { Locale } from '../../present/locale.js';
import { renderCheck, renderVerdictNotice } from '../../present/render.js';
import type { View } from '../../present/view.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { TokenBucket } from '../../util/token-bucket.js';
import { encodeButtonValue, renderMentionMessage, renderSlackMessage, type MessageKind, type SlackMessage } from './blocks.js';
import { callWithRetry, classifySlackError, describeFailure, toEditorError, type SlackFailure } from './web.js';

/** Our memory of one check conversation: where its messages are and who asked. */
export interface ConversationRecord {
  /** Random key carried by the buttons. */
  readonly key: string;
  readonly channel: string;
  /** The thread the status message and the notification go into. */
  readonly threadTs: string;
  /** Our root card in the channel, when the conversation has one (slash commands). */
  readonly rootTs: string | null;
  readonly requester: string;
  readonly serviceId: number;
  readonly packets: number | null;
  readonly handle: CheckHandle;
  done: boolean;
  /** Slack user id of whoever pressed Cancel, once someone did. */
  cancelledBy: string | null;
}

/** What a conversation needs from the surface. */
export interface ConversationDeps {
  client: webApi.WebClient;
  checker: PingChecker;
  /** The one workspace-wide chat.update budget. */
  budget: TokenBucket;
  clock: Clock;
  logger: Logger;
  minEditIntervalMs: number;
}

/** One request to start a check in Slack. */
export interface ConversationRequest {
  channel: string;
  /** Post into this existing thread (mention, DM, re-run); null: post a new root card first. */
  threadTs: string | null;
  /** An existing root card to keep up to date (re-run under a /ping root). */
  rootTs: string | null;
  requester: string;
  serviceId: number;
  client: ClientRecord | null;
  packets: number | null;
  locale: Locale;
  /** Skip the result cache (Re-run). */
  fresh: boolean;
}

export type ConversationStart =
  | { ok: true; record: ConversationRecord; finished: Promise<void> }
  | { ok: false; stage: 'root' | 'status'; failure: SlackFailure };

/** Posts (with a few 429 retries) and returns the message ts. */
async function post(deps: ConversationDeps, args: { channel: string; thread_ts?: string; text: string; blocks?: SlackMessage['blocks'] }): Promise<string> {
  const res = await callWithRetry(
    () => deps.client.chat.postMessage({ ...args, unfurl_links: false, unfurl_media: false }),
    deps.clock,
  );
  if (!res.ts) throw new Error('chat.postMessage answered without a ts');
  return res.ts;
}

/**
 * Starts one check conversation: the root card (unless in a thread already), the check, and
 * its status message in the thread. Resolves once those exist; `finished` settles when the
 * verdict has been delivered (notification posted, both messages showing it).
 */
export async function startConversation(deps: ConversationDeps, req: ConversationRequest): Promise<ConversationStart> {
  const key = randomUUID().replace(/-/g, '').slice(0, 16);
  const log = deps.logger.child({ surface: 'slack', channel: req.channel, serviceId: req.serviceId, check: key });
  const buttonValue = encodeButtonValue({ k: key, s: req.serviceId, p: req.packets });
  const render = (view: View, kind: MessageKind) => renderSlackMessage(view, kind, { locale: req.locale, buttonValue });

  let rootTs = req.rootTs;
  let threadTs = req.threadTs;
  let rootShown: string | undefined;
  if (threadTs === null) {
    const first = render(renderCheck({ kind: 'starting', serviceId: req.serviceId, elapsedMs: 0 }, req.client, req.locale), 'root');
    try {
      rootTs = await post(deps, { channel: req.channel, ...first });
    } catch (err) {
      const failure = classifySlackError(err);
      log.warn({ err: describeFailure(failure) }, 'could not post the root message');
      return { ok: false, stage: 'root', failure };
    }
    threadTs = rootTs;
    rootShown = JSON.stringify(first);
  }

  const handle = deps.checker.check(req.serviceId, {
    priority: 'interactive',
    fresh: req.fresh,
    ...(req.packets !== null ? { packets: req.packets } : {}),
  });
  const statusKind: MessageKind = rootTs ? 'status' : 'full';
  const firstStatus = render(renderCheck(handle.current(), req.client, req.locale), statusKind);
  let statusTs: string;
  try {
    statusTs = await post(deps, { channel: req.channel, thread_ts: threadTs, ...firstStatus });
  } catch (err) {
    const failure = classifySlackError(err);
    log.warn({ err: describeFailure(failure) }, 'could not post the status message; check abandoned');
    handle.cancel('slack:post-failed');
    return { ok: false, stage: 'status', failure };
  }

  const record: ConversationRecord = {
    key,
    channel: req.channel,
    threadTs,
    rootTs,
    requester: req.requester,
    serviceId: req.serviceId,
    packets: req.packets,
    handle,
    done: false,
    cancelledBy: null,
  };
  log.info({ threadTs, rootTs, requester: req.requester }, 'check started');

  const live = (ts: string): LiveMessage<SlackMessage> =>
    createLiveMessage<SlackMessage>(
      async (m) => {
        try {
          await deps.client.chat.update({ channel: req.channel, ts, text: m.text, blocks: m.blocks });
        } catch (err) {
          throw toEditorError(err);
        }
      },
      { budget: deps.budget, clock: deps.clock, logger: log, minIntervalMs: deps.minEditIntervalMs, name: `slack:${req.channel}/${ts}` },
    );
  const status = { live: live(statusTs), shown: JSON.stringify(firstStatus) as string | undefined };
  const root = rootTs ? { live: live(rootTs), shown: rootShown } : null;

  const finished = follow(deps, req, record, { status, root, render, log });
  return { ok: true, record, finished };
}

interface Tracked {
  live: LiveMessage<SlackMessage>;
  /** What the message shows or was last offered, to skip offers that change nothing. */
  shown: string | undefined;
}

function offer(t: Tracked, m: SlackMessage): void {
  const k = JSON.stringify(m);
  if (k === t.shown) return;
  t.shown = k;
  t.live.update(m);
}

async function follow(
  deps: ConversationDeps,
  req: ConversationRequest,
  record: ConversationRecord,
  ctx: { status: Tracked; root: Tracked | null; render: (v: View, k: MessageKind) => SlackMessage; log: Logger },
): Promise<void> {
  const { status, root, render, log } = ctx;
  const statusKind: MessageKind = root ? 'status' : 'full';
  let finalView: View | null = null;
  let done: DoneState;
  try {
    done = await followCheck(record.handle, req.client, req.locale, (view, state) => {
      if (view.final) {
        finalView = view;
        return;
      }
      if (state.kind === 'created' || state.kind === 'polling') log.debug({ taskId: state.taskId, state: state.kind }, 'check progress');
      offer(status, render(view, statusKind));
      if (root) offer(root, render(view, 'root'));
    });
  } catch (err) {
    // The check's stream is not supposed to throw; if it does, the done promise still tells the end.
    log.error({ err }, 'following the check failed');
    done = await record.handle.done;
  }
  record.done = true;
  const view = finalView ?? renderCheck(done, req.client, req.locale);
  log.info({ taskId: done.taskId, verdict: done.verdict, reason: done.reason.kind, polls: done.polls, cached: done.cached }, 'verdict');

  // A new message notifies (edits do not); it goes out at once, the edits as the budget allows.
  const selfCancelled = done.reason.kind === 'cancelled' && record.cancelledBy === req.requester;
  const notify = selfCancelled
    ? Promise.resolve()
    : post(deps, {
        channel: req.channel,
        thread_ts: record.threadTs,
        ...renderMentionMessage(req.requester, renderVerdictNotice(done, req.client, req.locale)),
      });
  const results = await Promise.allSettled([
    notify,
    status.live.finish(render(view, statusKind)),
    root ? root.live.finish(render(view, 'root')) : Promise.resolve(),
  ]);
  const what = ['notification', 'status message', 'root message'];
  results.forEach((r, i) => {
    if (r.status === 'rejected') log.warn({ err: describeFailure(classifySlackError(r.reason)), taskId: done.taskId }, `final ${what[i]} not delivered`);
  });
}
