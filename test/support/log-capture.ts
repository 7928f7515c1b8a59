import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/util/logger.js';

/** A trace-level logger whose output the test can read back, redaction and all. */
export function captureLogs(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: ['token', 'password', 'apiKey', '*.token', '*.password'], censor: '[redacted]' } }, sink);
  return { logger, text: () => chunks.join('') };
}
