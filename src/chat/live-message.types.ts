import type { TokenBucket } from '../util/token-bucket.js';

/** A platform answered "too many requests"; wait `retryAfterMs` before editing again. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterMs: number, message = `rate limited for ${retryAfterMs} ms`) {
    super(message);
  }
}

/**
 * Performs one edit of one platform message (chat.update, a webhook PATCH, a terminal redraw).
 * Throws RateLimitedError on a 429; any other throw is a failed edit.
 */
export type Editor<T> = (content: T) => Promise<void>;

/** One status message edited in place (see live-message.ts). */
export interface LiveMessage<T> {
  /** Offers a newer view; views not yet delivered are replaced, never queued. */
  update(content: T): void;
  /**
   * Offers a newer view drawn only when it is about to be compared or sent, so one replaced
   * before then (a running check's redraw while the edit budget is short) costs no rendering.
   * A draw that throws is logged and skipped.
   */
  offer(draw: () => T): void;
  /** Delivers this final view, however long the budget or a Retry-After makes it wait. */
  finish(content: T): Promise<void>;
  /**
   * Sends nothing more: a view not yet delivered is dropped (an edit already under way ends).
   * For a message whose final view goes out through another LiveMessage later, so that a
   * leftover progress view cannot land on top of it.
   */
  abandon(): void;
  /** How many edits reached the platform (for logs and tests). */
  readonly edits: number;
}

/**
 * What live messages need of an edit budget: a final view queues (`take`), a progress view takes
 * only a spare token (`takeSpare`), a token drawn for nothing goes back (`refund`). An in-process
 * `TokenBucket` is one; Slack's, shared by every replica, is `chat/shared-edit-budget`.
 */
export type EditBudget = Pick<TokenBucket, 'take' | 'takeSpare' | 'refund' | 'capacity'>;
