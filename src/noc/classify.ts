import type { ClientRecord } from '../core/client.js';
import type { DoneState } from '../core/check-state.js';
import type { Health } from './types.js';

/**
 * What one finished check says about an outage. Down: `no_internet`, or `failed` as the API's
 * own verdict (the router could not ping). Up: `stable`, and also `intermittent` (degraded)
 * and `antenna_only` (a premises fault): neither is an outage. Unknown: our side gave up
 * (deadline, cancelled, the Ping API failing), which says nothing about the line.
 */
export function healthOf(done: Pick<DoneState, 'verdict' | 'reason'>): Health {
  if (done.reason.kind !== 'verdict') return 'unknown';
  switch (done.verdict) {
    case 'no_internet':
    case 'failed':
      return 'down';
    case 'stable':
    case 'intermittent':
    case 'antenna_only':
      return 'up';
    default:
      return 'unknown';
  }
}

/** WispHub's words for an active line, English and Spanish. */
const ACTIVE = new Set(['active', 'activo', 'activa', 'free', 'gratis']);

/**
 * True when billing holds the line (suspended, cancelled, or past its cut-off date): such a
 * client is never sampled and never opens an outage. `today` is `YYYY-MM-DD`.
 */
export function onBillingHold(c: Pick<ClientRecord, 'paymentStatus' | 'cutOffDate'>, today: string): boolean {
  const status = (c.paymentStatus ?? 'active').normalize('NFD').replace(/\p{M}+/gu, '').trim().toLowerCase();
  if (!ACTIVE.has(status)) return true;
  return c.cutOffDate !== null && /^\d{4}-\d{2}-\d{2}$/.test(c.cutOffDate) && c.cutOffDate < today;
}
