import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values are replaced before a log line is written. */
const REDACT = [
  'token', 'password', 'apiKey', 'api_key', 'authorization', 'Authorization', 'secret',
  '*.token', '*.password', '*.apiKey', '*.authorization', '*.Authorization', '*.secret',
  'headers.authorization', 'headers["x-api-key"]', '*.headers.authorization', '*.headers["x-api-key"]',
];

/** The process logger: structured JSON on stderr so stdout stays for the shell and CLI. */
export function createLogger(level = 'info', destination: pino.DestinationStream | number = 2): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'pingops' } },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

/** A logger that writes nothing, for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });
