import { z } from 'zod';
import type { Locale } from './present/locale.js';
import { parseDuration } from './util/duration.js';
import type { NocSettings } from './noc/types.js';
import { parseOutages, type OutageRule } from './sim/outages.js';
import { Secret } from './util/secret.js';
import type { PingApiAuth } from './pingapi/auth.js';

/** The prefixes we own: a variable with one of them that we do not know is a typo, and fails. */
const OWNED_PREFIXES = ['PING_', 'PINGOPS_', 'WISPHUB_', 'SLACK_', 'DISCORD_', 'SIM_', 'NOC_', 'HOOKS_'];

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const str = () => z.preprocess(emptyToUndefined, z.string().optional());
const secret = () => z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => (v === undefined ? null : new Secret(v)));
const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));
/**
 * A `*_MS` setting: a number of milliseconds (`8000`) or a duration (`8s`, `1.5s`, `5m`), as the
 * README says durations are written. Text that is neither stays text and fails as such.
 */
const ms = (def: number, min: number, max: number) =>
  z.preprocess((v) => {
    const t = emptyToUndefined(v);
    if (typeof t !== 'string') return t;
    if (/^\s*\d+\s*$/.test(t)) return Number(t);
    // parseDuration refuses zero (nothing waits 0 ms); a cache or a delay may be off.
    if (/^\s*0+(\.0+)?\s*(ms|min|s|m|h|d)?\s*$/i.test(t)) return 0;
    return parseDuration(t) ?? t;
  }, z.number().int().min(min).max(max).default(def));
const url = () =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'an http(s) URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  );
/** A comma- or space-separated list of platform ids (channels, users); empty is an empty list. */
const idList = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter((x) => x !== '') : []),
    z.array(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'comma-separated ids (letters, digits, - and _)')),
  );
const bool = (def: boolean) =>
  z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0', 'yes', 'no']).default(def ? 'true' : 'false')).transform((v) =>
    ['true', '1', 'yes'].includes(v),
  );

/** `postgres://` or `postgresql://` with a host and a database name. */
function isPostgresUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' && u.pathname.length > 1;
  } catch {
    return false;
  }
}

const duration = (def: string) =>
  z.preprocess(emptyToUndefined, z.string().default(def)).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'a duration such as 30s, 5m or 1h' });
      return z.NEVER;
    }
    return ms;
  });

const schema = z.object({
  PING_API_URL: url(),
  PING_API_KEY: secret(),
  PING_API_KEY_HEADER: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name').default('X-API-Key')),
  PING_API_USERNAME: str(),
  PING_API_PASSWORD: secret(),
  PING_PACKETS: int(4, 1, 20),
  PING_INITIAL_DELAY_MS: ms(2500, 0, 60_000),
  PING_INTERVAL_MS: ms(2000, 10, 60_000),
  PING_MAX_INTERVAL_MS: ms(5000, 10, 120_000),
  PING_PACKET_MS: ms(1000, 1, 10_000),
  PING_TIMEOUT_MS: ms(60_000, 1000, 15 * 60_000),
  PING_RESULT_CACHE_MS: ms(30_000, 0, 24 * 3_600_000),
  PING_API_RATE_PER_MIN: int(100, 1, 100_000),
  PING_API_TIMEOUT_MS: ms(10_000, 100, 120_000),
  PING_QUEUE_MAX: int(500, 1, 100_000),
  PING_QUEUE_MAX_WAIT_MS: ms(600_000, 1000, 3_600_000),
  PING_LOOKUP_TIMEOUT_MS: ms(5000, 100, 15 * 60_000),
  PING_API_PATHS: z.preprocess(emptyToUndefined, z.enum(['auto', 'v1', 'plain']).default('auto')),
  PING_INTERMITTENT_LOSS_PCT: int(20, 1, 100),
  WISPHUB_API_URL: url(),
  WISPHUB_API_KEY: secret(),
  WISPHUB_CLIENTS_TTL_MS: ms(600_000, 10_000, 24 * 3_600_000),
  // Unset: the system's language (systemLocale).
  LOCALE: z.preprocess(emptyToUndefined, z.enum(['es', 'en']).optional()),
  PORT: int(3000, 0, 65_535),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  SLACK_BOT_TOKEN: secret(),
  SLACK_SIGNING_SECRET: secret(),
  SLACK_APP_TOKEN: z
    .preprocess(emptyToUndefined, z.string().startsWith('xapp-', 'an app-level token (xapp-…) for Socket Mode').optional())
    .transform((v) => (v === undefined ? null : new Secret(v))),
  SLACK_API_URL: url(),
  SLACK_EDITS_PER_MIN: int(45, 1, 1000),
  SLACK_TEAM_ID: z.preprocess(emptyToUndefined, z.string().regex(/^[TE][A-Z0-9]{6,20}$/, 'a Slack team id such as T0123ABCD').optional()),
  DISCORD_TOKEN: secret(),
  // Discord ids are snowflakes: 17 to 20 digits today.
  DISCORD_APPLICATION_ID: z.preprocess(emptyToUndefined, z.string().regex(/^\d{17,20}$/, 'a numeric application id of 17 to 20 digits').optional()),
  DISCORD_GUILD_ID: z.preprocess(emptyToUndefined, z.string().regex(/^\d{5,25}$/, 'a numeric guild id').optional()),
  DISCORD_API_URL: url(),
  DISCORD_THREADS: bool(false),
  SIM_SHAPE: z.preprocess(emptyToUndefined, z.enum(['envelope', 'status']).default('envelope')),
  SIM_DIALECT: z.preprocess(emptyToUndefined, z.enum(['v1', 'plain', 'wisphub']).default('v1')),
  SIM_AUTH: z.preprocess(emptyToUndefined, z.enum(['none', 'key', 'jwt']).default('none')),
  SIM_PORT: int(0, 0, 65_535),
  SIM_SPEED: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(1000).default(1)),
  PINGOPS_DB: z.preprocess(emptyToUndefined, z.string().default('./data/pingops.db')),
  PINGOPS_DATABASE_URL: z
    .preprocess(emptyToUndefined, z.string().optional())
    .refine((v) => v === undefined || isPostgresUrl(v), 'a postgres://user:password@host:5432/database URL')
    .transform((v) => (v === undefined ? null : new Secret(v))),
  PINGOPS_DATABASE_POOL_MAX: int(10, 1, 200),
  PINGOPS_DATABASE_TIMEOUT: duration('10s'),
  PINGOPS_RETENTION_DAYS: int(90, 1, 36_500),
  PINGOPS_LEASE_TTL_MS: ms(15_000, 1000, 600_000),
  PINGOPS_LEASE_RENEW_MS: ms(5_000, 100, 300_000),
  PINGOPS_ALLOWED_CHANNELS: idList(),
  PINGOPS_ADMINS: idList(),
  PINGOPS_USER_RATE_PER_MIN: int(6, 1, 10_000),
  PINGOPS_ADMIN_RATE_PER_MIN: int(30, 1, 10_000),
  PINGOPS_SHELL: z.preprocess(emptyToUndefined, z.enum(['auto', 'on', 'off']).default('auto')),
  SIM_OUTAGES: z.preprocess(emptyToUndefined, z.string().default('')).transform((v, ctx) => {
    const parsed = parseOutages(v);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `outage rules such as router:42@20s+60s (${parsed.error})` });
      return z.NEVER;
    }
    return parsed.rules;
  }),
  NOC_INTERVAL: duration('5m'),
  NOC_BUDGET_PCT: int(50, 1, 100),
  NOC_SAMPLE: int(1, 1, 50),
  NOC_CONFIRM: int(5, 0, 50),
  NOC_ROLLUP_PCT: int(50, 1, 100),
  NOC_ROLLUP_MIN: int(3, 1, 100),
  NOC_DOWN_AFTER: int(2, 1, 10),
  NOC_UP_AFTER: int(2, 1, 10),
  NOC_QUICK_CONFIRM: duration('30s'),
  NOC_REPEAT: duration('1h'),
  NOC_FLAP_WINDOW: duration('1h'),
  NOC_FLAP_CHANGES: int(4, 2, 100),
  NOC_ROUND_MIN: duration('1m'),
  NOC_SLACK_CHANNEL: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Z0-9]{6,20}$/, 'a Slack channel id such as C0123ABCD').optional()),
  NOC_DISCORD_CHANNEL: z.preprocess(emptyToUndefined, z.string().regex(/^\d{5,25}$/, 'a numeric Discord channel id').optional()),
  HOOKS_TOKEN: secret(),
  HOOKS_CLIENT_LABEL: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'an Alertmanager label name (letters, digits and _)').default('service_id')),
});

export type { PingApiAuth };

/** Every environment variable pingops reads (deployment files are tested against this list). */
export const SETTING_NAMES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface Config {
  pingApi: {
    /** null: start the built-in simulator and use it. */
    url: string | null;
    /** True when PING_API_URL=sim asked for the simulator by name (chat refuses to start on it otherwise). */
    simulatorAsked: boolean;
    auth: PingApiAuth;
    timeoutMs: number;
    ratePerMin: number;
    /** Most checks waiting for request budget before new ones are refused (PING_QUEUE_MAX). */
    queueMax: number;
    /** Longest a check may wait for budget before its task is created (PING_QUEUE_MAX_WAIT_MS). */
    queueMaxWaitMs: number;
    /** Deadline of one client look-up, never more than the check's (PING_LOOKUP_TIMEOUT_MS). */
    lookupTimeoutMs: number;
    /** The middleware's route layout: `auto` detects it from `/openapi.json` (or a probe). */
    paths: 'auto' | 'v1' | 'plain';
    /** Client packet loss (%) from which a line that answers is intermittent (WispHub direct). */
    intermittentLossPct: number;
  };
  /** Set: talk to WispHub's own API instead of a middleware (`pingApi.url` is then null). */
  wisphub: null | { url: string; key: Secret; clientsTtlMs: number };
  polling: {
    packets: number;
    initialDelayMs: number;
    intervalMs: number;
    maxIntervalMs: number;
    /** How long WispHub takes per packet: the schedule polls around packets × this. */
    packetMs: number;
    timeoutMs: number;
    resultCacheMs: number;
  };
  locale: Locale;
  port: number;
  logLevel: string;
  slack: null | {
    botToken: Secret;
    signingSecret: Secret;
    appToken: Secret | null;
    apiUrl: string | null;
    editsPerMin: number;
    /** The workspace pingops serves (SLACK_TEAM_ID); null: the bot token's own, from auth.test. */
    teamId: string | null;
  };
  discord: null | {
    token: Secret;
    applicationId: string;
    guildId: string | null;
    apiUrl: string | null;
    threads: boolean;
  };
  sim: { dialect: SimDialect; shape: 'envelope' | 'status'; auth: 'none' | 'key' | 'jwt'; port: number; speed: number; outages: OutageRule[] };
  /** The NOC watcher (NOC_*), durations in milliseconds. */
  noc: NocSettings;
  /** Where NOC incidents are posted by default (channel ids); a watch entry's own channel wins. Null: not on that platform. */
  nocChannels: { slack: string | null; discord: string | null };
  /**
   * Without a chat token: `auto` runs the shell where a person types or input is piped in, and a
   * service (HTTP, NOC, hooks until a signal) when standard input has nothing to read (`/dev/null`).
   */
  shell: 'auto' | 'on' | 'off';
  /** Alert intake (`/hooks/...`); null without HOOKS_TOKEN: nothing is mounted. */
  hooks: null | { token: Secret; clientLabel: string };
  /**
   * The store: the SQLite file (created on first start) or `:memory:`, unless `postgres` is set
   * (PINGOPS_DATABASE_URL), then PostgreSQL. Checks older than `retentionDays` are pruned daily.
   */
  store: { path: string; retentionDays: number; postgres?: null | { url: Secret; poolMax: number; timeoutMs: number } };
  /** Who may use pingops where: empty `allowedChannels` is everywhere; admins may cancel anyone's check. */
  access: { allowedChannels: string[]; admins: string[]; userRatePerMin: number; adminRatePerMin: number };
  /**
   * Replicas on one store: the leader's lease (PINGOPS_LEASE_TTL_MS, renewed every
   * PINGOPS_LEASE_RENEW_MS); a replica's heartbeat is written as often and is stale after the TTL.
   */
  lease: { ttlMs: number; renewMs: number };
}

/** Which API the simulator speaks: the middleware's `v1` or `plain` routes, or WispHub's own. */
export type SimDialect = 'v1' | 'plain' | 'wisphub';

/** A configuration problem, worded for the person starting the bot; never carries a secret value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Validates an environment into a frozen Config, or throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const known = new Set(SETTING_NAMES);
  for (const name of Object.keys(env)) {
    if (OWNED_PREFIXES.some((p) => name.startsWith(p)) && !known.has(name)) {
      problems.push(`${name}: unknown setting (see .env.example for the names pingops reads)`);
    }
  }
  // `PING_API_URL=sim` asks for the built-in simulator by name (required when chat is configured).
  const simulatorAsked = env.PING_API_URL?.trim().toLowerCase() === 'sim';
  const parsed = schema.safeParse(simulatorAsked ? { ...env, PING_API_URL: undefined } : env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      // Describe what was expected, never echo the value: it may be a secret.
      problems.push(`${name}: expected ${describeExpectation(issue, name)}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;

  if (e.PING_INTERVAL_MS > e.PING_MAX_INTERVAL_MS) {
    problems.push(`PING_INTERVAL_MS: expected at most PING_MAX_INTERVAL_MS (${e.PING_MAX_INTERVAL_MS})`);
  }
  let auth: PingApiAuth = { kind: 'none' };
  if (e.PING_API_KEY) {
    auth = { kind: 'key', header: e.PING_API_KEY_HEADER, key: e.PING_API_KEY };
    if (e.PING_API_USERNAME || e.PING_API_PASSWORD) {
      problems.push('PING_API_KEY: expected either a key or PING_API_USERNAME/PING_API_PASSWORD, not both');
    }
  } else if (e.PING_API_USERNAME || e.PING_API_PASSWORD) {
    if (!e.PING_API_USERNAME || !e.PING_API_PASSWORD) {
      problems.push('PING_API_USERNAME/PING_API_PASSWORD: expected both together for the JWT login');
    } else {
      auth = { kind: 'jwt', username: e.PING_API_USERNAME, password: e.PING_API_PASSWORD };
    }
  }

  let wisphub: Config['wisphub'] = null;
  if (e.WISPHUB_API_URL || e.WISPHUB_API_KEY) {
    if (e.PING_API_URL) {
      problems.push(
        'PING_API_URL and WISPHUB_API_URL/WISPHUB_API_KEY: pick one Ping API, the middleware (PING_API_URL) or WispHub directly (WISPHUB_API_URL and WISPHUB_API_KEY), not both',
      );
    }
    if (!e.WISPHUB_API_URL) problems.push('WISPHUB_API_URL: expected WispHub\'s API base URL (e.g. https://api.wisphub.net) with WISPHUB_API_KEY');
    if (!e.WISPHUB_API_KEY) problems.push('WISPHUB_API_KEY: expected the WispHub API key with WISPHUB_API_URL');
    if (e.WISPHUB_API_URL && e.WISPHUB_API_KEY) wisphub = { url: e.WISPHUB_API_URL, key: e.WISPHUB_API_KEY, clientsTtlMs: e.WISPHUB_CLIENTS_TTL_MS };
  }
  if (e.PINGOPS_LEASE_RENEW_MS * 2 > e.PINGOPS_LEASE_TTL_MS) {
    problems.push('PINGOPS_LEASE_RENEW_MS: expected at most half of PINGOPS_LEASE_TTL_MS (a lease is renewed at least twice before it runs out)');
  }
  if (e.PINGOPS_DATABASE_TIMEOUT < 100 || e.PINGOPS_DATABASE_TIMEOUT > 600_000) {
    problems.push('PINGOPS_DATABASE_TIMEOUT: expected a duration between 100ms and 10m');
  }
  if (e.SIM_DIALECT === 'plain' && e.SIM_AUTH === 'jwt') {
    problems.push('SIM_AUTH: expected none or key with SIM_DIALECT=plain (the middleware today has no login)');
  }

  let slack: Config['slack'] = null;
  if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: expected the bot token (xoxb-…) when Slack is configured');
    if (!e.SLACK_SIGNING_SECRET) problems.push('SLACK_SIGNING_SECRET: expected the app signing secret when Slack is configured');
    if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) {
      slack = {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL ? `${e.SLACK_API_URL}/` : null,
        editsPerMin: e.SLACK_EDITS_PER_MIN,
        teamId: e.SLACK_TEAM_ID ?? null,
      };
    }
  }

  let discord: Config['discord'] = null;
  if (e.DISCORD_TOKEN || e.DISCORD_APPLICATION_ID) {
    if (!e.DISCORD_TOKEN) problems.push('DISCORD_TOKEN: expected the bot token when Discord is configured');
    if (!e.DISCORD_APPLICATION_ID) problems.push('DISCORD_APPLICATION_ID: expected the application id when Discord is configured');
    if (e.DISCORD_TOKEN && e.DISCORD_APPLICATION_ID) {
      discord = {
        token: e.DISCORD_TOKEN,
        applicationId: e.DISCORD_APPLICATION_ID,
        guildId: e.DISCORD_GUILD_ID ?? null,
        apiUrl: e.DISCORD_API_URL ?? null,
        threads: e.DISCORD_THREADS,
      };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze<Config>({
    pingApi: {
      url: e.PING_API_URL ?? null,
      simulatorAsked,
      auth,
      timeoutMs: e.PING_API_TIMEOUT_MS,
      ratePerMin: e.PING_API_RATE_PER_MIN,
      queueMax: e.PING_QUEUE_MAX,
      queueMaxWaitMs: e.PING_QUEUE_MAX_WAIT_MS,
      lookupTimeoutMs: Math.min(e.PING_LOOKUP_TIMEOUT_MS, e.PING_TIMEOUT_MS),
      paths: e.PING_API_PATHS,
      intermittentLossPct: e.PING_INTERMITTENT_LOSS_PCT,
    },
    wisphub,
    polling: {
      packets: e.PING_PACKETS,
      initialDelayMs: e.PING_INITIAL_DELAY_MS,
      intervalMs: e.PING_INTERVAL_MS,
      maxIntervalMs: e.PING_MAX_INTERVAL_MS,
      packetMs: e.PING_PACKET_MS,
      timeoutMs: e.PING_TIMEOUT_MS,
      resultCacheMs: e.PING_RESULT_CACHE_MS,
    },
    locale: e.LOCALE ?? systemLocale(env),
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    slack,
    discord,
    sim: { dialect: e.SIM_DIALECT, shape: e.SIM_SHAPE, auth: e.SIM_AUTH, port: e.SIM_PORT, speed: e.SIM_SPEED, outages: e.SIM_OUTAGES },
    noc: {
      intervalMs: e.NOC_INTERVAL,
      budgetPct: e.NOC_BUDGET_PCT,
      sample: e.NOC_SAMPLE,
      confirm: e.NOC_CONFIRM,
      rollupPct: e.NOC_ROLLUP_PCT,
      rollupMin: e.NOC_ROLLUP_MIN,
      downAfter: e.NOC_DOWN_AFTER,
      upAfter: e.NOC_UP_AFTER,
      quickConfirmMs: e.NOC_QUICK_CONFIRM,
      repeatMs: e.NOC_REPEAT,
      flapWindowMs: e.NOC_FLAP_WINDOW,
      flapChanges: e.NOC_FLAP_CHANGES,
      roundMinMs: e.NOC_ROUND_MIN,
    },
    nocChannels: { slack: e.NOC_SLACK_CHANNEL ?? null, discord: e.NOC_DISCORD_CHANNEL ?? null },
    shell: e.PINGOPS_SHELL,
    hooks: e.HOOKS_TOKEN ? { token: e.HOOKS_TOKEN, clientLabel: e.HOOKS_CLIENT_LABEL } : null,
    store: {
      path: e.PINGOPS_DB,
      retentionDays: e.PINGOPS_RETENTION_DAYS,
      postgres: e.PINGOPS_DATABASE_URL ? { url: e.PINGOPS_DATABASE_URL, poolMax: e.PINGOPS_DATABASE_POOL_MAX, timeoutMs: e.PINGOPS_DATABASE_TIMEOUT } : null,
    },
    access: { allowedChannels: e.PINGOPS_ALLOWED_CHANNELS, admins: e.PINGOPS_ADMINS, userRatePerMin: e.PINGOPS_USER_RATE_PER_MIN, adminRatePerMin: e.PINGOPS_ADMIN_RATE_PER_MIN },
    lease: { ttlMs: e.PINGOPS_LEASE_TTL_MS, renewMs: e.PINGOPS_LEASE_RENEW_MS },
  });
}

/**
 * The language the system asks for where LOCALE does not say: the first of LC_ALL, LC_MESSAGES
 * and LANG that is set (the POSIX order) — `en`, `en_*` → English; anything else (`C.UTF-8`,
 * `es_CO`, a language pingops does not speak) → Spanish, the fallback.
 */
export function systemLocale(env: NodeJS.ProcessEnv): Locale {
  const tag = [env.LC_ALL, env.LC_MESSAGES, env.LANG].map((v) => v?.trim() ?? '').find((v) => v !== '');
  return tag !== undefined && /^en(?:[_.@-]|$)/i.test(tag) ? 'en' : 'es';
}

/** Loads the config for a program's start: on a problem, writes it for the person and returns null. */
export function loadConfigOrReport(write: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Config | null {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    write(`pingops: ${err.message}\n`);
    return null;
  }
}

/** Settings that take fractions; every other number is whole. */
const DECIMAL_SETTINGS = new Set(['SIM_SPEED']);

function describeExpectation(issue: z.core.$ZodIssue, name: string): string {
  switch (issue.code) {
    case 'too_small':
      return `a number of at least ${String(issue.minimum)}${name.endsWith('_MS') ? ' ms' : ''}`;
    case 'too_big':
      return `a number of at most ${String(issue.maximum)}${name.endsWith('_MS') ? ' ms' : ''}`;
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      if (name.endsWith('_MS')) return 'a duration such as 8s, 5m or 1h, or a number of milliseconds';
      if (issue.expected === 'number' || issue.expected === 'int') return DECIMAL_SETTINGS.has(name) ? 'a number' : 'a whole number';
      return `a ${issue.expected}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'an http(s) URL';
      // Our regexes carry their own wording ("a numeric guild id").
      return issue.format === 'regex' || issue.format === 'starts_with' ? issue.message : `a value in ${issue.format} format`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !(o instanceof Secret)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
