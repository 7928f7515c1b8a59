import { pino } from 'pino';
import { createLogger, type Logger } from '../../src/util/logger.js';

/** What a test reads back from a captured logger. */
export interface CapturedLogs {
  logger: Logger;
  /** One JSON line per entry, as written. */
  lines: string[];
  text: () => string;
  records: () => Record<string, unknown>[];
}

/**
 * A trace-level logger whose output the test can read back. By default it is the production
 * logger (same redaction); `{ redact: false }` drops redaction, to prove a module never hands a
 * secret to the logger in the first place.
 */
export function captureLogs(opts: { redact?: boolean } = {}): CapturedLogs {
  const lines: string[] = [];
  const sink = { write: (s: string) => void lines.push(s) };
  const logger = opts.redact === false ? pino({ level: 'trace' }, sink) : createLogger('trace', sink);
  return { logger, lines, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
