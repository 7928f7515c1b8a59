/**
 * Retention: finished checks older than PINGOPS_RETENTION_DAYS are deleted once when it starts,
 * then every day. The bot runs it as leader work of the `noc` lease (app/noc.ts), so N replicas
 * prune once a day between them, not N times; a new leader prunes when it takes over. (Running
 * it on every replica would be correct, the delete is by cutoff and idempotent, only wasteful.)
 */
import type { CheckStore } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export const DAY_MS = 24 * 3_600_000;

export function startRetention(o: { store: Pick<CheckStore, 'prune'>; retentionDays: number; clock: Clock; logger: Logger }): { stop(): Promise<void> } {
  const { clock, logger } = o;
  const stopper = new AbortController();
  const prune = async () => {
    try {
      const removed = await o.store.prune(clock.now() - o.retentionDays * DAY_MS);
      // Said every time (once a day): which replica ran it is worth seeing.
      logger.info({ component: 'retention', removed, retentionDays: o.retentionDays }, 'retention: finished checks older than the retention deleted');
    } catch (err) {
      logger.warn({ component: 'retention', err }, 'retention: deleting old checks failed; trying again tomorrow');
    }
  };
  const loop = (async () => {
    for (;;) {
      await prune();
      try {
        await clock.sleep(DAY_MS, stopper.signal);
      } catch {
        return;
      }
    }
  })();
  return {
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
