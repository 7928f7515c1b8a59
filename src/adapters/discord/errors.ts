import { DiscordAPIError, RateLimitError } from 'discord.js';
import { RateLimitedError } from '../../chat/live-message.types.js';

/**
 * discord.js errors carry the request URL, and for interaction webhooks that URL holds the
 * interaction token: these helpers keep tokens out of logs and turn 429s into RateLimitedError.
 */

/** Discord error codes meaning the interaction's reply can no longer be edited (token gone, or the message deleted). */
const DEAD_TOKEN_CODES = new Set([10008 /* Unknown Message */, 10015 /* Unknown Webhook */, 50027 /* Invalid Webhook Token */]);

/** A log-safe summary of a Discord failure: name, HTTP status, Discord code, method, the route with tokens masked. */
export function describeDiscordError(err: unknown): { name: string; status: number | null; code: number | string | null; method: string | null; route: string | null; message: string } {
  if (err instanceof DiscordAPIError) {
    return { name: 'DiscordAPIError', status: err.status, code: err.code, method: err.method, route: maskRoute(err.url), message: err.message };
  }
  if (err instanceof RateLimitError) {
    return { name: 'RateLimitError', status: 429, code: null, method: err.method, route: err.route, message: `rate limited for ${err.retryAfter} ms` };
  }
  if (err instanceof Error) return { name: err.name, status: null, code: null, method: null, route: null, message: maskRoute(err.message) };
  return { name: 'unknown', status: null, code: null, method: null, route: null, message: maskRoute(String(err)) };
}

/** Replaces the token segment of `/webhooks/{id}/{token}` and `/interactions/{id}/{token}` paths. */
export function maskRoute(text: string): string {
  return text.replace(/\/(webhooks|interactions)\/(\d+)\/[^/?\s]+/g, '/$1/$2/:token');
}

/** True when Discord says the reply cannot be edited any more (token expired or unknown, or someone deleted the message). */
export function isDeadToken(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || err.status === 404) && DEAD_TOKEN_CODES.has(Number(err.code));
}

/** Maps a rejected 429 (rejectOnRateLimit) to RateLimitedError so LiveMessage waits it out; other errors pass through. */
export function toEditError(err: unknown): unknown {
  if (err instanceof RateLimitError) return new RateLimitedError(Math.max(0, Math.ceil(err.retryAfter)));
  if (err instanceof DiscordAPIError && err.status === 429) return new RateLimitedError(1000);
  return err;
}
