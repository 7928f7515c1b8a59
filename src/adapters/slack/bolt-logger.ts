import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { childWith, type Logger } from '../../util/logger.js';

/** Our pino levels as Bolt's four. */
function boltLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return LogLevel.DEBUG;
    case 'info':
      return LogLevel.INFO;
    case 'warn':
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}

const text = (msg: unknown[]): string =>
  msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : safeJson(m))).join(' ');

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Bolt's and the Web API client's logger, written into ours (structured, with our redaction).
 * Bolt logs whole request bodies at debug; we keep its debug lines at our trace level.
 */
export function boltLogger(logger: Logger): BoltLogger {
  let name = 'bolt';
  const child = childWith(logger, { surface: 'slack', component: 'bolt' });
  // Bolt formats nothing itself and logs on every request: only pay for the text when it is written.
  const at = (level: 'trace' | 'info' | 'warn' | 'error') => (...msg: unknown[]) => {
    if (child.isLevelEnabled(level)) child[level]({ source: name }, text(msg));
  };
  return {
    debug: at('trace'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => {
      // Our logger's level rules; Bolt only asks.
    },
    getLevel: () => boltLevel(logger.level),
    setName: (n) => {
      name = n;
    },
  };
}
