import 'dotenv/config';
import { ConfigError, loadConfig } from '../../config.js';
import { createLogger } from '../../util/logger.js';
import { registerCommands } from './register.js';

/** `npm run discord:register`: registers /ping for the configured guild, or globally. */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 2;
  }
  if (!config.discord) {
    process.stderr.write('Discord is not configured: set DISCORD_TOKEN and DISCORD_APPLICATION_ID (in the environment or .env).\n');
    return 2;
  }
  const { token, applicationId, guildId, apiUrl } = config.discord;
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  try {
    const result = await registerCommands({ token, applicationId, guildId, apiUrl, logger });
    const where = result.scope === 'guild' ? `guild ${guildId ?? ''} (available now)` : 'globally (may take up to an hour to appear everywhere)';
    process.stdout.write(`Registered ${result.commands.map((c) => `/${c}`).join(', ')} ${where} for application ${applicationId}.\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`Command registration failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Command registration failed: ${String(err)}\n`);
    process.exit(1);
  },
);
