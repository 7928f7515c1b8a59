/**
 * The HTTP under both Discord REST clients (discord.js's `makeRequest`): the node:http exchange
 * the Ping API and Slack calls use (`pingapi/exchange`), with keep-alive and at most
 * `maxSockets` connections per client, instead of @discordjs/rest's undici `request`.
 *
 * Why our own: in `npm run bench -- discord-chat --cpu-prof` (1,000 people at once through the
 * real discord.js client) undici and @discordjs/rest around it took about 500 us of CPU per REST
 * call, against about 130 us for a Slack Web API call on this exchange, at three calls a check
 * (deferral, card, notification); and on the global dispatcher every call in flight opened a
 * connection of its own (about 1,000 sockets at once, each a TLS handshake with Discord).
 *
 * What discord.js needs of it, and gets: pingops sends JSON only (no files), so a body is a
 * string; discord.js reads the status, the headers (rate limits) and the body as JSON, or as
 * bytes when it is not JSON (an empty 204): made from the UTF-8 text, since pingops asks Discord
 * for nothing binary;
 * its own timeout aborts `init.signal`, and it tries again after an `AbortError` or an
 * `ECONNRESET`, so failures are raised in those shapes. No error carries the URL, whose
 * interaction routes hold a token.
 */
import { STATUS_CODES } from 'node:http';
import type { RESTOptions, ResponseLike } from 'discord.js';
import { createExchange, ExchangeError, type Exchange, type RawAnswer } from '../../pingapi/exchange.js';

type RequestInit = Parameters<RESTOptions['makeRequest']>[1];

/** A request discord.js should try again (its `shouldRetry`: an AbortError). */
class DiscordRequestAborted extends Error {
  override name = 'AbortError';
}

/** A connection failure, with the code discord.js looks at (`ECONNRESET` is tried again). */
class DiscordRequestFailed extends Error {
  override name = 'DiscordRequestFailed';
  constructor(readonly code: string) {
    super(`Discord request failed: ${code}`);
  }
}

/** The request headers as one record (discord.js gives a plain object; arrays and Headers too). */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  if (!init) return {};
  if (init instanceof Headers) return Object.fromEntries(init.entries());
  if (Array.isArray(init)) return Object.fromEntries(init.map(([k, v]) => [k, v]));
  return Object.fromEntries(Object.entries(init).map(([k, v]) => [k, typeof v === 'string' ? v : v.join(', ')]));
}

function responseLike(answer: RawAnswer): ResponseLike {
  let used = false;
  const take = () => {
    used = true;
    return answer.text;
  };
  return {
    body: null,
    get bodyUsed() {
      return used;
    },
    headers: new Headers(answer.headers.entries()),
    status: answer.status,
    statusText: STATUS_CODES[answer.status] ?? '',
    ok: answer.status >= 200 && answer.status < 300,
    text: async () => take(),
    json: async () => JSON.parse(take()) as unknown,
    arrayBuffer: async () => {
      const bytes = Buffer.from(take(), 'utf8');
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    },
  };
}

/** discord.js's `makeRequest` on a keep-alive exchange of at most `maxSockets` connections; `timeoutMs` backs up discord.js's own. */
export function discordRequest(maxSockets: number, timeoutMs: number, exchange: Exchange = createExchange(maxSockets)): RESTOptions['makeRequest'] {
  return async (url, init) => {
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== 'string') throw new TypeError('pingops sends Discord JSON bodies only (no files)');
    try {
      return responseLike(
        await exchange(new URL(url), { method: init.method ?? 'GET', headers: headerRecord(init.headers), body, timeoutMs, ...(init.signal ? { signal: init.signal } : {}) }),
      );
    } catch (err) {
      if (!(err instanceof ExchangeError)) throw err;
      const f = err.failure;
      throw f.kind === 'network' ? new DiscordRequestFailed(f.code) : new DiscordRequestAborted(f.kind === 'timeout' ? 'Discord did not answer in time' : 'Discord request aborted');
    }
  };
}
