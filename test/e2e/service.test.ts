import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, MAIN, startProgram, testEnv } from '../support/spawn.js';

afterEach(async () => {
  await killStarted();
});

describe('npm start with no chat token and nothing on standard input (systemd, docker run without -i)', () => {
  it('runs as a service: /healthz and the hooks answer until SIGTERM, then it stops cleanly', async () => {
    const bot = startProgram(MAIN, { env: testEnv({ HOOKS_TOKEN: 'service-e2e-token-7c1d', LOG_LEVEL: 'info' }), stdin: 'null' });
    await bot.waitFor(/"port":\d+[^\n]*http server listening/, 'stderr', 30_000);
    const port = Number(/"port":(\d+)[^\n]*http server listening/.exec(bot.stderr())?.[1]);
    await bot.waitFor('running as a service', 'stderr', 15_000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // The hooks are served by this process: a wrong token is refused, not a closed port.
    const hook = await fetch(`http://127.0.0.1:${port}/hooks/check`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' } });
    expect(hook.status).toBe(401);
    bot.signal('SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    // It stopped for the signal, not because standard input had ended.
    expect(bot.stderr()).toMatch(/"signal":"SIGTERM"[^\n]*shutting down/);
    expect(bot.stderr()).not.toContain('end of input');
  }, 60_000);
});
