import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { discordRequest } from '../../../src/adapters/discord/rest-request.js';
import { readBody } from '../../support/read-body.js';

/** A stand-in for Discord's REST on 127.0.0.1: each request is answered by the next scripted handler. */
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}
type Script = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function discord(...script: Script[]): Promise<{ api: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = script.shift() ?? ((_q, r) => r.writeHead(500).end());
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Script => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

const TOKEN = 'bot-token-secret';
const rest = (api: string, o: { timeout?: number; retries?: number } = {}) => new REST({ api, makeRequest: discordRequest(4, 5_000), ...o }).setToken(TOKEN);

describe('discord.js REST on the node:http exchange (rest-request)', () => {
  it('sends the bot token and the JSON body, and hands back the JSON answer', async () => {
    const d = await discord(json(200, { id: '42', content: 'hi' }));
    const answer = await rest(d.api).post(Routes.channelMessages('1'), { body: { content: 'hi' } });
    expect(answer).toEqual({ id: '42', content: 'hi' });
    expect(d.seen).toEqual([{ method: 'POST', url: '/api/v10/channels/1/messages', authorization: `Bot ${TOKEN}`, body: '{"content":"hi"}' }]);
  });

  it('an interaction route goes without the token; a 204 answers nothing', async () => {
    const d = await discord((_q, r) => r.writeHead(204).end());
    await expect(rest(d.api).post(Routes.interactionCallback('7', 'itoken'), { body: { type: 5 }, auth: false })).resolves.toBeInstanceOf(ArrayBuffer);
    expect(d.seen[0]?.authorization).toBeUndefined();
  });

  it("waits out a 429's Retry-After (read from the headers) and sends the request again", async () => {
    const d = await discord(json(429, { message: 'You are being rate limited.', retry_after: 0.05, global: false }, { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' }), json(200, { id: '1' }));
    await expect(rest(d.api).patch(Routes.channelMessage('1', '2'), { body: { content: 'x' } })).resolves.toEqual({ id: '1' });
    expect(d.seen.map((s) => s.method)).toEqual(['PATCH', 'PATCH']);
  });

  it('a refusal is a DiscordAPIError with its status and code', async () => {
    const d = await discord(json(404, { message: 'Unknown Webhook', code: 10015 }));
    await expect(rest(d.api).patch(Routes.webhookMessage('1', 'itoken', '@original'), { body: {}, auth: false })).rejects.toMatchObject({ name: 'DiscordAPIError[10015]', status: 404, code: 10015 });
  });

  it('a connection reset is tried again, as discord.js does on undici', async () => {
    const d = await discord((_q, r) => r.socket?.destroy(), json(200, { id: '9' }));
    await expect(rest(d.api).get(Routes.user())).resolves.toEqual({ id: '9' });
    expect(d.seen).toHaveLength(2);
  });

  it("an answer that never comes ends at discord.js's timeout, tried again and then an AbortError that names no URL or token", async () => {
    const never: Script = () => undefined;
    const d = await discord(never, never);
    const err = (await rest(d.api, { timeout: 100, retries: 1 }).patch(Routes.webhookMessage('1', 'itoken-secret', '@original'), { body: {}, auth: false }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('AbortError');
    expect(d.seen).toHaveLength(2);
    expect(`${err.message} ${err.stack ?? ''}`).not.toMatch(/itoken-secret|bot-token-secret|127\.0\.0\.1/);
  });

  it('refuses a body it cannot send (files) before anything goes out', async () => {
    const d = await discord(json(200, {}));
    await expect(rest(d.api).post(Routes.channelMessages('1'), { files: [{ name: 'a.txt', data: Buffer.from('a') }] })).rejects.toThrow(/JSON bodies only/);
    expect(d.seen).toEqual([]);
  });
});
