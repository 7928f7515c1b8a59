import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../src/app/core.js';
import { loadConfig } from '../src/config.js';
import { captureLogs } from './support/log-capture.js';

let core: Core | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

/** What the start-up log says about the simulator (issue 18: `PING_API_URL=sim` was told it was "not set"). */
async function simulatorLine(env: Record<string, string>): Promise<string> {
  const logs = captureLogs();
  core = await createCore(loadConfig({ PINGOPS_DB: ':memory:', ...env }), logs.logger);
  const line = logs.records().find((r) => String(r.msg).includes('simulator'));
  return String(line?.msg);
}

describe('the start-up line about the simulator', () => {
  it('says PING_API_URL=sim asked for it by name', async () => {
    const msg = await simulatorLine({ PING_API_URL: 'sim' });
    expect(msg).toContain('PING_API_URL=sim');
    expect(msg).not.toContain('not set');
  });

  it('says nothing was set when nothing was', async () => {
    expect(await simulatorLine({})).toContain('PING_API_URL and WISPHUB_API_URL are not set');
  });
});
