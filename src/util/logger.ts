import { pino, type Logger } from 'pino';
import { CENSOR, redactSecrets } from './redact-secrets.js';

/** Secret keys at the top of a child logger's bindings (and of a line, which redactSecrets also covers). */
const BINDING_SECRETS = ['token', 'password', 'apiKey', 'api_key', 'authorization', 'Authorization', 'secret', 'headers.authorization', 'headers["x-api-key"]'];

export type { Logger };

/**
 * The process logger: structured JSON on stderr (fd 2) so stdout stays for the shell and CLI,
 * or appended to a file when given a path.
 */
export function createLogger(level = 'info', destination: pino.DestinationStream | number | string = 2): Logger {
  const stream =
    typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: true })
      : typeof destination === 'string'
        ? pino.destination({ dest: destination, sync: true, mkdir: true, append: true })
        : destination;
  // Secrets are censored in every line (util/redact-secrets); pino's redaction covers child
  // loggers' bindings, which its formatters never see, by exact paths: its wildcard paths were
  // the costly part.
  return pino({ level, redact: { paths: BINDING_SECRETS, censor: CENSOR }, formatters: { log: redactSecrets }, base: { app: 'pingops' } }, stream);
}

/**
 * A child logger with `bindings`, leaving out those the parent already carries with the same
 * value: pino writes a key once per binding, so `surface` bound twice appeared twice in one JSON line.
 */
export function childWith(logger: Logger, bindings: Record<string, unknown>): Logger {
  const bound = logger.bindings();
  const fresh = Object.fromEntries(Object.entries(bindings).filter(([k, v]) => bound[k] !== v));
  return Object.keys(fresh).length === 0 ? logger : logger.child(fresh);
}

/**
 * A child logger made on first use. pino builds a child's bindings (through redaction) when it
 * is made; per-call and per-message children mostly never write at info, so they wait until one does.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): () => Logger {
  let child: Logger | null = null;
  return () => (child ??= logger.child(bindings));
}

/** A logger that writes nothing, for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });
