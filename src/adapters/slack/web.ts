import type { webApi } from '@slack/bolt';
import { RateLimitedError } from '../../chat/live-message.types.js';
import type { Clock } from '../../util/clock.js';

/** How a failed Web API call is classified for the conversation. */
export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Slack answered `ok: false` with this error code (`not_in_channel`, `channel_not_found`…). */
  | { kind: 'platform'; error: string }
  | { kind: 'other'; message: string };

/** Errors meaning the bot may not post where it was asked to: answer with an invite hint. */
const CHANNEL_ACCESS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_reply_to_message']);

/** True when Slack refused the post because of where it was (the invite hint helps). */
export function isChannelAccessError(f: SlackFailure): boolean {
  return f.kind === 'platform' && CHANNEL_ACCESS.has(f.error);
}

/** Classifies anything @slack/web-api throws; the message never carries the token. */
export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof RateLimitedError) return { kind: 'rate_limited', retryAfterMs: err.retryAfterMs };
  const e = err as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown }; message?: unknown } | null;
  if (e && e.code === 'slack_webapi_rate_limited_error') {
    const sec = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : 1;
    return { kind: 'rate_limited', retryAfterMs: Math.max(0, sec) * 1000 };
  }
  if (e && e.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string') {
    return { kind: 'platform', error: e.data.error };
  }
  return { kind: 'other', message: e && typeof e.message === 'string' ? e.message : String(err) };
}

/** Maps a Web API rate-limit error to the RateLimitedError LiveMessage understands; others pass through. */
export function toEditorError(err: unknown): unknown {
  const f = classifySlackError(err);
  return f.kind === 'rate_limited' ? new RateLimitedError(f.retryAfterMs) : err;
}

/**
 * Web client options: rate-limited calls are rejected (not queued) so one 429 does not pause every
 * other call for its Retry-After; LiveMessage and `callWithRetry` wait it out per message.
 * Network faults get a couple of quick retries, not the library's thirty minutes.
 */
export function webClientOptions(apiUrl: string | null): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
    timeout: 15_000,
  };
}

/**
 * Options of the Socket Mode client's own Web API client (apps.connections.open). It must keep
 * trying through a Slack outage: after a reconnect fails, @slack/socket-mode rejects a promise
 * nobody handles, which ends the process. So not the chat calls' two quick retries.
 */
export function socketModeClientOptions(apiUrl: string | null): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    // About 50 minutes of attempts, at most 30 s apart, so the bot is back soon after Slack is.
    retryConfig: { retries: 100, factor: 1.5, minTimeout: 500, maxTimeout: 30_000, randomize: true },
    timeout: 15_000,
  };
}

/** Runs a Web API call, waiting out 429 Retry-After on `clock` up to `attempts` times (posts are not in LiveMessage). */
export async function callWithRetry<T>(fn: () => Promise<T>, clock: Clock, attempts = 5, signal?: AbortSignal): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const f = classifySlackError(err);
      if (f.kind !== 'rate_limited' || i >= attempts) throw err;
      await clock.sleep(Math.max(f.retryAfterMs, 200), signal);
    }
  }
}

/** A short description of a failure for logs (error code or message, never a token). */
export function describeFailure(f: SlackFailure): string {
  switch (f.kind) {
    case 'rate_limited':
      return `rate limited for ${f.retryAfterMs} ms`;
    case 'platform':
      return f.error;
    case 'other':
      return f.message;
  }
}
