import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, MAIN, startProgram, testEnv, type Program } from '../support/spawn.js';

const TOKEN = 'hooks-e2e-token-41f9';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8');

afterEach(async () => {
  await killStarted();
});

async function portOf(p: Program): Promise<number> {
  await p.waitFor(/"port":\d+[^\n]*http server listening/, 'stderr', 30_000);
  return Number(/"port":(\d+)[^\n]*http server listening/.exec(p.stderr())?.[1]);
}

describe('npm start with HOOKS_TOKEN: alerts from Alertmanager and Uptime Kuma reach the NOC (simulator, SIM_OUTAGES)', () => {
  it('a down client opens its incident, one that answers gets a note, a resolved alert re-checks in the thread; bad tokens and bodies are refused', async () => {
    const bot = startProgram(MAIN, {
      env: testEnv({ HOOKS_TOKEN: TOKEN, SIM_OUTAGES: 'client:1017@0s+1h', PING_API_RATE_PER_MIN: '6000', NOC_INTERVAL: '2s', NOC_ROUND_MIN: '1s', LOG_LEVEL: 'info' }),
      keepOpen: true,
    });
    const url = `http://127.0.0.1:${await portOf(bot)}/hooks`;
    const post = async (path: string, body: string, token = TOKEN) => {
      const res = await fetch(`${url}/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    expect((await post('alertmanager', fixture('hook-alertmanager-firing'), 'wrong-token')).status).toBe(401);
    expect(await post('alertmanager', '{"alerts": "nope"}')).toMatchObject({ status: 400, body: { error: expect.stringContaining('not an Alertmanager webhook payload') } });

    // Two alerts in one group: 1001 answers (stable in the simulator), 1017 is down (the outage script).
    expect(await post('alertmanager', fixture('hook-alertmanager-firing'))).toEqual({ status: 202, body: { accepted: 2, skipped: [] } });
    await bot.waitFor(/NOC \d\d:\d\d:\d\d NOTE Alertmanager: ClientLinkDown 1001, but the line answers: stable/, 'stdout', 30_000);
    await bot.waitFor(/NOC \d\d:\d\d:\d\d DOWN #1 client-1017 [^\n]*: 1 of 1 checked down · reported by Alertmanager: ClientLinkDown/, 'stdout', 30_000);
    // The shell's `noc status` lists it with the others (the same handler as /noc in chat).
    bot.write('noc status\n');
    await bot.waitFor(/Open incidents:\n {2}#1 client-1017 [^\n]*\[client:1017\] · 1 of 1 down · since/, 'stdout', 15_000);

    // The same client again, from Uptime Kuma: no second incident.
    const kumaDown = fixture('hook-uptime-kuma-down').replaceAll('1001', '1017');
    expect((await post('uptime-kuma', kumaDown)).status).toBe(202);
    // Alertmanager resolves 1017's alert while its line is still down: re-checked, said in the incident's thread.
    const resolved = fixture('hook-alertmanager-resolved').replaceAll('"1001"', '"1017"');
    expect((await post('alertmanager', resolved)).status).toBe(202);
    await bot.waitFor(/ALERT RESOLVED #1 client-1017 [^\n]*: Alertmanager: ClientLinkDown 1017 resolved, but the line still does not answer: no internet/, 'stdout', 30_000);
    // Uptime Kuma's own "down" for 1001 (tagged service_id): the line answers, one note.
    expect((await post('uptime-kuma', fixture('hook-uptime-kuma-down'))).status).toBe(202);
    await bot.waitFor(/NOTE Uptime Kuma: client-1001 Ana Morales CPE 1001, but the line answers: stable/, 'stdout', 30_000);

    expect(bot.stdout()).not.toMatch(/DOWN #2/);
    expect(bot.stderr()).not.toContain(TOKEN);
    bot.endInput();
    expect((await bot.exited).code).toBe(0);
  }, 90_000);

  it('without HOOKS_TOKEN nothing is mounted: 404', async () => {
    const bot = startProgram(MAIN, { env: testEnv({ LOG_LEVEL: 'info' }), keepOpen: true });
    const res = await fetch(`http://127.0.0.1:${await portOf(bot)}/hooks/alertmanager`, { method: 'POST', body: fixture('hook-alertmanager-firing'), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    bot.endInput();
    await bot.exited;
  }, 60_000);
});
