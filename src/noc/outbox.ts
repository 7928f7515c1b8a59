import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { NocStore } from './store.js';
import type { NocNotifier } from './types.js';

export interface Outbox {
  /** Something was written: deliver it soon. */
  kick(): void;
  /** Delivers what is pending now, in order; stops at the first failure (order matters to a thread). */
  flush(): Promise<number>;
  /** Stops the delivery loop (pending rows stay in the store for the next start). */
  stop(): Promise<void>;
}

const BATCH = 50;
const MAX_BACKOFF_MS = 60_000;

/**
 * Delivers the outbox in order: each event was written (with the state change that caused it)
 * before any send, and is marked sent after. A crash between the two sends that one event
 * again on the next start, so notifiers get the outbox id to recognise a repeat.
 */
export function createOutbox(deps: {
  store: NocStore;
  notifier: NocNotifier;
  clock: Clock;
  logger: Logger;
  /** False once this replica may no longer lead (util/leadership's fence): nothing more is sent. */
  leads?: () => boolean;
}): Outbox {
  const leads = deps.leads ?? (() => true);
  const log = deps.logger.child({ component: 'noc-outbox' });
  let failures = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const stopper = new AbortController();

  const flush = async (): Promise<number> => {
    let sent = 0;
    for (;;) {
      const items = await deps.store.pendingOutbox(BATCH);
      if (items.length === 0) return sent;
      for (const item of items) {
        // Fenced: the new leader delivers what is left, in order.
        if (!leads()) return sent;
        try {
          await deps.notifier.deliver(item.event, item.id);
        } catch (err) {
          await deps.store.markFailed(item.id, err instanceof Error ? err.message : String(err));
          throw err;
        }
        await deps.store.markSent(item.id, deps.clock.now());
        sent++;
      }
    }
  };

  const loop = async () => {
    do {
      again = false;
      try {
        await flush();
        failures = 0;
      } catch (err) {
        failures++;
        const waitMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(6, failures - 1));
        log.warn({ err, failures, waitMs }, 'notification not delivered; kept in the outbox, trying again');
        try {
          await deps.clock.sleep(waitMs, stopper.signal);
        } catch {
          return;
        }
        again = true;
      }
    } while (again && !stopped);
  };

  return {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
      });
    },
    flush,
    async stop() {
      stopped = true;
      stopper.abort();
      await running;
    },
  };
}
