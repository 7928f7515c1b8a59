import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.pingApi).toEqual({
      url: null,
      simulatorAsked: false,
      auth: { kind: 'none' },
      timeoutMs: 10_000,
      ratePerMin: 100,
      queueMax: 500,
      queueMaxWaitMs: 600_000,
      lookupTimeoutMs: 5000,
      paths: 'auto',
      intermittentLossPct: 20,
    });
    expect(c.wisphub).toBeNull();
    expect(c.sim.dialect).toBe('v1');
    expect(c.store).toEqual({ path: './data/pingops.db', retentionDays: 90, postgres: null });
    expect(c.access).toEqual({ allowedChannels: [], admins: [], userRatePerMin: 6, adminRatePerMin: 30 });
    expect(c.polling).toEqual({ packets: 4, initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000, resultCacheMs: 30_000 });
    expect(c).toMatchObject({ locale: 'es', port: 3000, slack: null, discord: null });
    expect(Object.isFrozen(c) && Object.isFrozen(c.polling)).toBe(true);
  });

  it('reads PING_API_URL=sim as the simulator asked for by name, and id lists split on commas or spaces', () => {
    const c = loadConfig({ PING_API_URL: 'sim', PINGOPS_ALLOWED_CHANNELS: 'C0NOC, C0OPS 1100000000000000004', PINGOPS_ADMINS: 'U1', PINGOPS_USER_RATE_PER_MIN: '10' });
    expect(c.pingApi).toMatchObject({ url: null, simulatorAsked: true });
    expect(c.access).toEqual({ allowedChannels: ['C0NOC', 'C0OPS', '1100000000000000004'], admins: ['U1'], userRatePerMin: 10, adminRatePerMin: 30 });
    expect(problems({ PINGOPS_ALLOWED_CHANNELS: '<#C1>' })[0]).toContain('PINGOPS_ALLOWED_CHANNELS: expected');
  });

  it('reads the NOC settings, durations included, with the documented defaults', () => {
    expect(loadConfig({}).noc).toEqual({
      intervalMs: 300_000, budgetPct: 50, sample: 1, confirm: 5, rollupPct: 50, rollupMin: 3, downAfter: 2, upAfter: 2,
      quickConfirmMs: 30_000, repeatMs: 3_600_000, flapWindowMs: 3_600_000, flapChanges: 4, roundMinMs: 60_000,
    });
    const c = loadConfig({ NOC_INTERVAL: '90s', NOC_QUICK_CONFIRM: '500ms', NOC_REPEAT: '2h', SIM_OUTAGES: 'router:91@20s+60s' });
    expect([c.noc.intervalMs, c.noc.quickConfirmMs, c.noc.repeatMs]).toEqual([90_000, 500, 7_200_000]);
    expect(c.sim.outages).toEqual([{ target: { kind: 'router', id: 91 }, fromMs: 20_000, forMs: 60_000, flapMs: null }]);
  });

  it('treats empty values as unset, as in a copied .env.example', () => {
    const c = loadConfig({ PING_API_URL: '', SLACK_BOT_TOKEN: '', PING_PACKETS: ' ', LOCALE: '' });
    expect(c.pingApi.url).toBeNull();
    expect(c.slack).toBeNull();
    expect(c.polling.packets).toBe(4);
  });

  it.each([
    [{ NOC_INTERVAL: '5 minutes' }, 'NOC_INTERVAL: expected a duration such as 30s, 5m or 1h'],
    [{ NOC_BUDGET_PCT: '120' }, 'NOC_BUDGET_PCT: expected a number of at most 100'],
    [{ NOC_SAMPLES: '2' }, 'NOC_SAMPLES: unknown setting'],
    [{ SIM_OUTAGES: 'router:1@soon+1m' }, 'SIM_OUTAGES: expected outage rules such as router:42@20s+60s'],
    [{ PING_PACKETS: 'four' }, 'PING_PACKETS: expected a whole number'],
    [{ PING_PACKETS: '4.5' }, 'PING_PACKETS: expected a whole number'],
    [{ SIM_SPEED: 'fast' }, 'SIM_SPEED: expected a number'],
    [{ PING_PACKETS: '50' }, 'PING_PACKETS: expected a number of at most 20'],
    [{ PING_API_URL: 'ftp://x' }, 'PING_API_URL: expected'],
    [{ LOCALE: 'fr' }, 'LOCALE: expected one of es, en'],
    [{ PING_TIMEOUT_MS: '10' }, 'PING_TIMEOUT_MS: expected a number of at least 1000'],
    [{ PING_INTERVAL_MS: '9000' }, 'PING_INTERVAL_MS: expected at most PING_MAX_INTERVAL_MS (5000)'],
    [{ PING_API_USERNAME: 'noc' }, 'PING_API_USERNAME/PING_API_PASSWORD: expected both together'],
    [{ PING_API_KEY: 'k', PING_API_USERNAME: 'u', PING_API_PASSWORD: 'p' }, 'PING_API_KEY: expected either a key'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET: expected'],
    [{ DISCORD_TOKEN: 't' }, 'DISCORD_APPLICATION_ID: expected'],
    [{ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: 'abc' }, 'DISCORD_APPLICATION_ID: expected a numeric application id'],
    [{ PING_PACKTES: '4' }, 'PING_PACKTES: unknown setting'],
    [{ WISPHUB_API_KYE: 'k' }, 'WISPHUB_API_KYE: unknown setting'],
    [{ PING_API_PATHS: 'v2' }, 'PING_API_PATHS: expected one of auto, v1, plain'],
    [{ SIM_DIALECT: 'soap' }, 'SIM_DIALECT: expected one of v1, plain, wisphub'],
    [{ PING_INTERMITTENT_LOSS_PCT: '0' }, 'PING_INTERMITTENT_LOSS_PCT: expected a number of at least 1'],
    [{ PING_INTERMITTENT_LOSS_PCT: '101' }, 'PING_INTERMITTENT_LOSS_PCT: expected a number of at most 100'],
    [{ WISPHUB_API_URL: 'https://api.wisphub.net' }, 'WISPHUB_API_KEY: expected the WispHub API key with WISPHUB_API_URL'],
    [{ WISPHUB_API_KEY: 'k' }, 'WISPHUB_API_URL: expected'],
    [{ PING_API_URL: 'http://127.0.0.1:9', WISPHUB_API_URL: 'https://api.wisphub.net', WISPHUB_API_KEY: 'k' }, 'pick one Ping API'],
    [{ SIM_DIALECT: 'plain', SIM_AUTH: 'jwt' }, 'SIM_AUTH: expected none or key with SIM_DIALECT=plain'],
  ])('rejects %j naming the variable', (env, expected) => {
    expect(problems(env).join('\n')).toContain(expected);
  });

  it('reads the queue and look-up settings; a look-up never waits longer than the check', () => {
    const c = loadConfig({ PING_QUEUE_MAX: '50', PING_QUEUE_MAX_WAIT_MS: '120000', PING_LOOKUP_TIMEOUT_MS: '90000', PING_TIMEOUT_MS: '30000' });
    expect(c.pingApi).toMatchObject({ queueMax: 50, queueMaxWaitMs: 120_000, lookupTimeoutMs: 30_000 });
    expect(() => loadConfig({ PING_QUEUE_MAX: '0' })).toThrow(/PING_QUEUE_MAX/);
  });

  it('names each problem once', () => {
    expect(problems({ PING_API_URL: 'notaurl' })).toEqual(['PING_API_URL: expected an http(s) URL']);
  });

  it('never echoes a secret value in its errors or its JSON', () => {
    const secret = 'xoxb-super-secret-token-123';
    const msg = problems({ SLACK_BOT_TOKEN: secret, PING_API_KEY: 'key-456', PING_API_USERNAME: 'u', PING_API_PASSWORD: 'pw-789' }).join('\n');
    expect(msg).not.toMatch(/super-secret|key-456|pw-789/);
    const c = loadConfig({ SLACK_BOT_TOKEN: secret, SLACK_SIGNING_SECRET: 'sig-000', PING_API_KEY: 'key-456' });
    expect(JSON.stringify(c)).not.toMatch(/super-secret|sig-000|key-456/);
    expect(String(c.slack?.botToken)).toBe('[redacted]');
    expect(c.slack?.botToken.reveal()).toBe(secret);
  });

  it('selects PostgreSQL with PINGOPS_DATABASE_URL, the URL kept secret and never echoed when wrong', () => {
    const url = 'postgres://pingops:db-pass-981@db.internal:5432/pingops';
    const c = loadConfig({ PINGOPS_DATABASE_URL: url, PINGOPS_DATABASE_POOL_MAX: '4', PINGOPS_DATABASE_TIMEOUT: '3s' });
    expect(c.store.postgres).toMatchObject({ poolMax: 4, timeoutMs: 3000 });
    expect(c.store.postgres?.url.reveal()).toBe(url);
    expect(JSON.stringify(c)).not.toContain('db-pass-981');
    expect(loadConfig({ PINGOPS_DATABASE_URL: 'postgresql://u@127.0.0.1/p' }).store.postgres).toMatchObject({ poolMax: 10, timeoutMs: 10_000 });
    expect(problems({ PINGOPS_DATABASE_URL: 'mysql://u:db-pass-981@h/p' })).toEqual(['PINGOPS_DATABASE_URL: expected a postgres://user:password@host:5432/database URL']);
    expect(problems({ PINGOPS_DATABASE_URL: 'postgres://u:db-pass-981@h' }).join('\n')).not.toContain('db-pass-981');
    // A copied .env.example names the SQLite file too: the URL wins.
    expect(loadConfig({ PINGOPS_DATABASE_URL: url, PINGOPS_DB: './data/pingops.db' }).store.postgres).not.toBeNull();
    expect(problems({ PINGOPS_DATABASE_URL: url, PINGOPS_DATABASE_TIMEOUT: '50ms' })).toEqual(['PINGOPS_DATABASE_TIMEOUT: expected a duration between 100ms and 10m']);
  });

  it('mounts the alert hooks only with HOOKS_TOKEN (a secret), the client label defaulting to service_id', () => {
    expect(loadConfig({}).hooks).toBeNull();
    expect(loadConfig({ HOOKS_CLIENT_LABEL: 'client' }).hooks).toBeNull();
    const c = loadConfig({ HOOKS_TOKEN: 'hooks-secret-42' });
    expect(c.hooks?.clientLabel).toBe('service_id');
    expect(c.hooks?.token.reveal()).toBe('hooks-secret-42');
    expect(JSON.stringify(c)).not.toContain('hooks-secret-42');
    expect(loadConfig({ HOOKS_TOKEN: 'x', HOOKS_CLIENT_LABEL: 'wisphub_id' }).hooks?.clientLabel).toBe('wisphub_id');
    expect(problems({ HOOKS_CLIENT_LABEL: 'service-id' })).toEqual(['HOOKS_CLIENT_LABEL: expected an Alertmanager label name (letters, digits and _)']);
    expect(problems({ HOOKS_TOKN: 'x' })).toEqual(['HOOKS_TOKN: unknown setting (see .env.example for the names pingops reads)']);
  });

  it('selects WispHub directly with its URL and key, the key kept secret', () => {
    const c = loadConfig({ WISPHUB_API_URL: 'https://api.wisphub.net/', WISPHUB_API_KEY: 'wh-key-123', WISPHUB_CLIENTS_TTL_MS: '60000', PING_INTERMITTENT_LOSS_PCT: '30' });
    expect(c.pingApi.url).toBeNull();
    expect(c.wisphub?.url).toBe('https://api.wisphub.net');
    expect(c.wisphub?.clientsTtlMs).toBe(60_000);
    expect(c.wisphub?.key.reveal()).toBe('wh-key-123');
    expect(c.pingApi.intermittentLossPct).toBe(30);
    expect(JSON.stringify(c)).not.toContain('wh-key-123');
    expect(problems({ PING_API_URL: 'http://x.example', WISPHUB_API_URL: 'https://w.example', WISPHUB_API_KEY: 'wh-key-123' }).join('\n')).not.toContain('wh-key-123');
  });

  it('reads PING_API_PATHS and SIM_DIALECT', () => {
    expect(loadConfig({ PING_API_URL: 'http://127.0.0.1:9', PING_API_PATHS: 'plain' }).pingApi.paths).toBe('plain');
    expect(loadConfig({ SIM_DIALECT: 'wisphub' }).sim.dialect).toBe('wisphub');
  });

  it('builds each auth mode and chat surface', () => {
    const c = loadConfig({
      PING_API_URL: 'http://127.0.0.1:9/',
      PING_API_USERNAME: 'noc',
      PING_API_PASSWORD: 'pw',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_API_URL: 'http://127.0.0.1:8/api',
      DISCORD_TOKEN: 'd',
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_THREADS: 'true',
    });
    expect(c.pingApi.url).toBe('http://127.0.0.1:9');
    expect(c.pingApi.auth.kind).toBe('jwt');
    expect(c.slack?.appToken?.reveal()).toBe('xapp-1');
    expect(c.slack?.apiUrl).toBe('http://127.0.0.1:8/api/');
    expect(c.discord).toMatchObject({ applicationId: '123456789012345678', guildId: null, threads: true });
    expect(loadConfig({ PING_API_KEY: 'k', PING_API_KEY_HEADER: 'X-Token' }).pingApi.auth).toMatchObject({ kind: 'key', header: 'X-Token' });
  });
});

describe('settings as the README writes them (issue 18)', () => {
  it('takes every *_MS setting as milliseconds or as a duration: 8s, 1.5s, 5m, 500ms', () => {
    const c = loadConfig({
      PING_TIMEOUT_MS: '8s',
      PING_INITIAL_DELAY_MS: '1.5s',
      PING_INTERVAL_MS: '2000',
      PING_MAX_INTERVAL_MS: '5s',
      PING_PACKET_MS: '900ms',
      PING_RESULT_CACHE_MS: '0',
      PING_API_TIMEOUT_MS: '10 s',
      PING_QUEUE_MAX_WAIT_MS: '5m',
      PING_LOOKUP_TIMEOUT_MS: '3s',
      WISPHUB_CLIENTS_TTL_MS: '10min',
    });
    expect(c.polling).toMatchObject({ timeoutMs: 8000, initialDelayMs: 1500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 900, resultCacheMs: 0 });
    expect(c.pingApi).toMatchObject({ timeoutMs: 10_000, queueMaxWaitMs: 300_000, lookupTimeoutMs: 3000 });
    expect(loadConfig({ PING_RESULT_CACHE_MS: '0s' }).polling.resultCacheMs).toBe(0);
  });

  it.each([
    [{ PING_TIMEOUT_MS: 'soon' }, 'PING_TIMEOUT_MS: expected a duration such as 8s, 5m or 1h, or a number of milliseconds'],
    [{ PING_TIMEOUT_MS: '500ms' }, 'PING_TIMEOUT_MS: expected a number of at least 1000 ms'],
    [{ PING_TIMEOUT_MS: '1h' }, 'PING_TIMEOUT_MS: expected a number of at most 900000 ms'],
    [{ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: '123' }, 'DISCORD_APPLICATION_ID: expected a numeric application id of 17 to 20 digits'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_APP_TOKEN: 'xoxb-2' }, 'SLACK_APP_TOKEN: expected an app-level token (xapp-…)'],
  ])('refuses %j, saying what it takes', (env, expected) => {
    expect(problems(env).join('\n')).toContain(expected);
  });

  it.each([
    [{}, 'es'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'en' }, 'en'],
    [{ LANG: 'es_CO.UTF-8' }, 'es'],
    [{ LANG: 'C.UTF-8' }, 'es'],
    [{ LANG: 'fr_FR.UTF-8' }, 'es'],
    [{ LANG: 'es_CO.UTF-8', LC_MESSAGES: 'en_GB.UTF-8' }, 'en'],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'es_ES.UTF-8' }, 'es'],
    [{ LANG: 'en_US.UTF-8', LC_ALL: '' }, 'en'],
    [{ LANG: 'en_US.UTF-8', LOCALE: 'es' }, 'es'],
    [{ LANG: 'es_CO.UTF-8', LOCALE: 'en' }, 'en'],
  ])('LOCALE from %j: %s (LOCALE, else the system language, else Spanish)', (env, expected) => {
    expect(loadConfig(env).locale).toBe(expected);
  });
});
