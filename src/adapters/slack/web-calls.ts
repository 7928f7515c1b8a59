/**
 * The Slack Web API calls every check makes (chat.postMessage, chat.update, chat.postEphemeral,
 * users.info, and users.list that fills the user directory ahead) on node:http with keep-alive,
 * instead of @slack/web-api's WebClient.
 *
 * Why our own caller and not the library: in `npm run bench -- chat --cpu-prof` (1,000 checks
 * through the real Bolt app) the WebClient, axios underneath (config merging, interceptors,
 * header copies, a p-queue), spent about 620 us of CPU per call against about 190 us for the
 * Ping API client's plain node:http exchange, a check makes four such calls, and it was the
 * largest item of the profile (a fifth of busy time). These methods need none of what it adds
 * (uploads, automatic pagination, token rotation: `users` pages users.list by its cursor).
 * Bolt keeps its WebClient for everything else (auth.test, response_url, Socket Mode).
 *
 * The wire: `Authorization: Bearer`, and for the chat.* write methods a JSON body, which Slack
 * accepts for write methods and recommends for blocks (the WebClient's form body URL-encoded the
 * JSON of every block again, character by character: the largest allocation of a Slack call);
 * users.* keep the WebClient's form body. The failures are the WebClient's:
 * `slack_webapi_platform_error` with `data.error` for `ok: false`,
 * `slack_webapi_rate_limited_error` with `retryAfter` (seconds) for a 429, thrown at once (never
 * queued: LiveMessage and `callWithRetry` wait per message), `slack_webapi_http_error` and
 * `slack_webapi_request_error` after two quick retries (p-retry, as `webClientOptions`), so
 * `web.ts` classifies both alike. An error never carries the token.
 */
import pRetry, { AbortError } from 'p-retry';
import { createExchange, ExchangeError, type Exchange } from '../../pingapi/exchange.js';
import type { Secret } from '../../util/secret.js';

/** The methods this caller serves. */
export type SlackMethod = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'users.info' | 'users.list';

/** A successful answer (`ok: true`); fields as Slack sent them. */
export type SlackResult = { ok: true } & Record<string, unknown>;

/** One Web API call: resolves with the answer when `ok`, throws a WebClient-shaped error otherwise. */
export type SlackCall = (method: SlackMethod, args: Record<string, unknown>) => Promise<SlackResult>;

/** A failure in the shape @slack/web-api throws (`code`, and `data` or `retryAfter`). */
export class SlackCallError extends Error {
  override name = 'SlackCallError';
  /** For a platform error: Slack's answer (`data.error` is its code). */
  readonly data?: Record<string, unknown>;
  /** For a 429: seconds to wait. */
  readonly retryAfter?: number;
  readonly statusCode?: number;
  constructor(
    readonly code: 'slack_webapi_platform_error' | 'slack_webapi_rate_limited_error' | 'slack_webapi_http_error' | 'slack_webapi_request_error',
    message: string,
    extra: { data?: Record<string, unknown>; retryAfter?: number; statusCode?: number } = {},
  ) {
    super(message);
    if (extra.data) this.data = extra.data;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
    if (extra.statusCode !== undefined) this.statusCode = extra.statusCode;
  }
}

export interface SlackCallOptions {
  token: Secret;
  /** The Web API base (a test double's); default Slack's. */
  apiUrl?: string | null;
  /** Per HTTP request (default 15 s, as the WebClient's). */
  timeoutMs?: number;
  /** Retries of a network fault or an unexpected status (default 2, as the WebClient's). */
  retries?: number;
  /** Connections to Slack at most; more calls wait for one, in order (default 50). */
  maxSockets?: number;
  /** The exchange to use (tests); default node:http / node:https with keep-alive. */
  exchange?: Exchange;
}

/** Form-encodes arguments as the WebClient does: objects (blocks) as JSON, nothing for null or undefined. */
export function formBody(args: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === null) continue;
    form.append(k, typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  }
  return form.toString();
}

/** A JSON body without the arguments that are null or undefined, as formBody leaves them out. */
export function jsonBody(args: Record<string, unknown>): string {
  const present: Record<string, unknown> = {};
  for (const k in args) if (args[k] !== undefined && args[k] !== null) present[k] = args[k];
  return JSON.stringify(present);
}

/** The methods whose arguments go as JSON (Slack's write methods); the rest as a form. */
const JSON_METHODS: ReadonlySet<SlackMethod> = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** Seconds in a Retry-After header; Slack sends whole seconds. 1 when missing or unreadable. */
export function retryAfterSeconds(header: string | null): number {
  const n = header === null ? Number.NaN : Number(header.trim());
  return Number.isFinite(n) && n >= 0 ? n : 1;
}

/** The WebClient's retry waits: from 200 ms, doubling, at most 1 s, each times 1 to 2 at random. */
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 1000;

export function createSlackCall(o: SlackCallOptions): SlackCall {
  const base = (o.apiUrl ?? 'https://slack.com/api/').replace(/\/+$/, '');
  const exchange = o.exchange ?? createExchange(o.maxSockets ?? 50);
  const timeoutMs = o.timeoutMs ?? 15_000;
  /** Parsed once per method: the four addresses never change. */
  const urls = new Map<SlackMethod, URL>();
  const urlOf = (method: SlackMethod): URL => {
    let url = urls.get(method);
    if (!url) urls.set(method, (url = new URL(`${base}/${method}`)));
    return url;
  };

  /** The same for every call of a kind (the exchange copies them before adding the length). */
  const authorization = `Bearer ${o.token.reveal()}`;
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', authorization };
  const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', authorization };

  const once = async (method: SlackMethod, body: string): Promise<SlackResult> => {
    let answer;
    try {
      answer = await exchange(urlOf(method), {
        method: 'POST',
        headers: JSON_METHODS.has(method) ? jsonHeaders : formHeaders,
        body,
        timeoutMs,
      });
    } catch (err) {
      const why = err instanceof ExchangeError ? (err.failure.kind === 'network' ? err.failure.code : err.failure.kind) : 'request failed';
      throw new SlackCallError('slack_webapi_request_error', `A request error occurred: ${why}`);
    }
    if (answer.status === 429) {
      const retryAfter = retryAfterSeconds(answer.headers.get('retry-after'));
      throw new AbortError(new SlackCallError('slack_webapi_rate_limited_error', `A rate-limit has been reached, you may retry this request in ${retryAfter} seconds`, { retryAfter }));
    }
    if (answer.status !== 200) throw new SlackCallError('slack_webapi_http_error', `An HTTP protocol error occurred: statusCode = ${answer.status}`, { statusCode: answer.status });
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      throw new SlackCallError('slack_webapi_http_error', 'An HTTP protocol error occurred: the answer is not JSON', { statusCode: answer.status });
    }
    if (!parsed || typeof parsed !== 'object') throw new SlackCallError('slack_webapi_http_error', 'An HTTP protocol error occurred: the answer is not an object', { statusCode: answer.status });
    const data = parsed as Record<string, unknown>;
    if (data.ok !== true) {
      // Slack's own words, not retried: not_in_channel, message_not_found, invalid_auth…
      throw new AbortError(new SlackCallError('slack_webapi_platform_error', `An API error occurred: ${String(data.error)}`, { data }));
    }
    return data as SlackResult;
  };

  const retries = o.retries ?? 2;
  return async (method, args) => {
    const body = JSON_METHODS.has(method) ? jsonBody(args) : formBody(args);
    // The first try runs outside p-retry, which costs about 8 us of CPU a call even when nothing
    // fails; the retries are p-retry's, with the waits it would have made (200-400 ms, then 400-800).
    try {
      return await once(method, body);
    } catch (err) {
      if (err instanceof AbortError) throw err.originalError;
      if (retries <= 0) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.round((Math.random() + 1) * RETRY_MIN_MS)));
    return pRetry(() => once(method, body), { retries: retries - 1, factor: 2, minTimeout: RETRY_MIN_MS * 2, maxTimeout: RETRY_MAX_MS, randomize: true });
  };
}
