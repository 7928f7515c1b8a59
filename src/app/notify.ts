import type { NocEvent, NocNotifier } from '../noc/types.js';
import type { Logger } from '../util/logger.js';

/**
 * One named place a NOC event goes. `retried` stages (chat) may fail: the outbox delivers the
 * event again later. The others (log, screen) are told each event once, at its first delivery,
 * so a chat retry does not print it twice.
 */
export interface NotifierStage {
  readonly name: string;
  readonly retried: boolean;
  deliver(event: NocEvent, outboxId: number): Promise<void> | void;
}

/** Events already told to the once-only stages; bounded (the outbox delivers in order, so the oldest go first). */
const TOLD_MAX = 10_000;

/** The notifier pipeline: every stage in order; the event fails (and is retried) when a retried stage fails. */
export function notifierPipeline(stages: readonly NotifierStage[], logger: Logger): NocNotifier {
  const told = new Set<number>();
  return {
    async deliver(event, outboxId) {
      if (!told.has(outboxId)) {
        told.add(outboxId);
        if (told.size > TOLD_MAX) told.delete(told.values().next().value as number);
        for (const s of stages) {
          if (s.retried) continue;
          try {
            await s.deliver(event, outboxId);
          } catch (err) {
            logger.warn({ component: 'noc-notify', stage: s.name, outboxId, err }, 'a NOC notifier stage failed (not retried)');
          }
        }
      }
      for (const s of stages) if (s.retried) await s.deliver(event, outboxId);
    },
  };
}

/** The log: every event, as one structured line. */
export function logStage(logger: Logger, describe: (e: NocEvent) => string): NotifierStage {
  const log = logger.child({ component: 'noc-notify' });
  return {
    name: 'log',
    retried: false,
    deliver(event, outboxId) {
      log.info({ outboxId, event: event.kind, incident: 'incident' in event ? event.incident.id : undefined }, describe(event));
    },
  };
}

/** A screen (the shell, the `pingops noc` view): a line per event while one is attached. */
export function screenStage(describe: (e: NocEvent) => string): NotifierStage & { attach(print: ((text: string) => void) | null): void } {
  let print: ((text: string) => void) | null = null;
  return {
    name: 'screen',
    retried: false,
    attach(p) {
      print = p;
    },
    deliver(event) {
      print?.(describe(event));
    },
  };
}

/** Chat: NOC channels on every surface (chat/noc-notifier); a failure fails the event, the outbox retries. */
export function chatStage(chat: NocNotifier): NotifierStage {
  return { name: 'chat', retried: true, deliver: (event, outboxId) => chat.deliver(event, outboxId) };
}
