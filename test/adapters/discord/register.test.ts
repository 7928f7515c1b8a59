import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/adapters/discord/commands.js';
import { registerCommands } from '../../../src/adapters/discord/register.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Secret } from '../../../src/util/secret.js';
import { FAKE_APP_ID, FAKE_GUILD_ID, startFakeDiscord, type FakeDiscord } from '../../fakes/fake-discord.js';

const TOKEN = 'register-test-token';
let fake: FakeDiscord;
beforeEach(async () => {
  fake = await startFakeDiscord({ token: TOKEN });
});
afterEach(async () => {
  await fake.close();
});

describe('registerCommands', () => {
  it('registers /ping and /noc to one guild with the bot token', async () => {
    const result = await registerCommands({ token: new Secret(TOKEN), applicationId: FAKE_APP_ID, guildId: FAKE_GUILD_ID, apiUrl: fake.apiUrl, logger: silentLogger });
    expect(result).toEqual({ scope: 'guild', commands: ['ping', 'noc'] });
    const [put] = fake.callsTo('PUT', new RegExp(`^/applications/${FAKE_APP_ID}/guilds/${FAKE_GUILD_ID}/commands$`));
    expect(put?.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(put?.body).toEqual(JSON.parse(JSON.stringify(COMMANDS)));
    const ping = (put?.body as { options: Record<string, unknown>[] }[])[0];
    expect(ping?.options).toEqual([
      expect.objectContaining({ name: 'client', type: 3, required: true, autocomplete: true }),
      expect.objectContaining({ name: 'packets', type: 4, required: false, min_value: 1, max_value: 20 }),
    ]);
    // /noc: status, watch add/remove/list (a subcommand group), silence, unsilence; targets and scopes autocomplete.
    type Opt = { name: string; type: number; autocomplete?: boolean; required?: boolean; options?: Opt[] };
    const noc = (put?.body as { name: string; options: Opt[] }[])[1];
    expect(noc?.name).toBe('noc');
    const shape = (o: Opt): unknown => (o.options ? { [o.name]: o.options.map(shape) } : `${o.name}:${o.type}${o.autocomplete ? ' autocomplete' : ''}${o.required ? ' required' : ''}`);
    expect(noc?.options.map(shape)).toEqual([
      'status:1',
      { watch: [{ add: ['target:3 autocomplete required', 'every:3', 'channel:7'] }, { remove: ['target:3 autocomplete required'] }, 'list:1'] },
      { silence: ['scope:3 autocomplete required', 'duration:3 required', 'reason:3'] },
      { unsilence: ['scope:3 autocomplete required'] },
    ]);
  });

  it('registers globally without a guild', async () => {
    const result = await registerCommands({ token: new Secret(TOKEN), applicationId: FAKE_APP_ID, guildId: null, apiUrl: fake.apiUrl, logger: silentLogger });
    expect(result.scope).toBe('global');
    expect(fake.callsTo('PUT', new RegExp(`^/applications/${FAKE_APP_ID}/commands$`))).toHaveLength(1);
  });

  it('explains a rejected token without revealing it', async () => {
    const wrong = 'the-wrong-token-value';
    const err = await registerCommands({ token: new Secret(wrong), applicationId: FAKE_APP_ID, guildId: null, apiUrl: fake.apiUrl, logger: silentLogger }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('DISCORD_TOKEN');
    expect((err as Error).message).toContain('401');
    expect((err as Error).message).not.toContain(wrong);
  });
});

describe('npm run discord:register (register-cli.ts)', () => {
  const cli = resolve(import.meta.dirname, '../../../src/adapters/discord/register-cli.ts');
  const tsx = resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');
  // An empty working directory: no .env of the developer's leaks in.
  const cwd = mkdtempSync(join(tmpdir(), 'pingops-register-'));
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(tsx, [cli], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  it('registers and prints what it did', async () => {
    const out = await run({ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: FAKE_APP_ID, DISCORD_GUILD_ID: FAKE_GUILD_ID, DISCORD_API_URL: fake.apiUrl });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Registered /ping, /noc guild ${FAKE_GUILD_ID}`);
    expect(fake.callsTo('PUT', /\/guilds\/\d+\/commands$/)).toHaveLength(1);
  });

  it('exits non-zero with a clear message when Discord refuses', async () => {
    const out = await run({ DISCORD_TOKEN: 'nope-not-valid', DISCORD_APPLICATION_ID: FAKE_APP_ID, DISCORD_API_URL: fake.apiUrl });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('Command registration failed');
    expect(out.stderr).toContain('DISCORD_TOKEN');
    expect(out.stdout + out.stderr).not.toContain('nope-not-valid');
  });

  it('exits non-zero when Discord is not configured', async () => {
    const out = await run({});
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('DISCORD_TOKEN');
  });
});
