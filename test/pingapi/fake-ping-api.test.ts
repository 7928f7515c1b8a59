import { describe, expect, it } from 'vitest';
import { useFakePingApi } from './helpers.js';

const api = useFakePingApi();

const get = async (path: string) => {
  const res = await fetch(`${api.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('the fake Ping API', () => {
  it('listens on loopback and answers unrouted requests 404', async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get('/nope')).toMatchObject({ status: 404, text: '{"detail":"Not Found"}' });
  });

  it('records method, path, query, headers and body', async () => {
    api.route('POST', '/x', { status: 201, body: 'made' });
    await fetch(`${api.url}/x?q=a%20b&n=1`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"pings":4}' });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/x', query: { q: 'a b', n: '1' }, body: '{"pings":4}' });
    expect(api.requests[0]?.headers['x-api-key']).toBe('k');
  });

  it('sends object bodies as JSON, strings as they are, with given headers', async () => {
    api.route('GET', '/json', { status: 200, body: { a: 1 } });
    api.route('GET', '/html', { status: 502, body: '<html>', headers: { 'content-type': 'text/html' } });
    expect(await get('/json')).toEqual({ status: 200, type: 'application/json', text: '{"a":1}' });
    expect(await get('/html')).toEqual({ status: 502, type: 'text/html', text: '<html>' });
  });

  it('answers a sequence in turn, repeating the last; the newest route wins', async () => {
    api.routeSequence('GET', /^\/seq/, { status: 500 }, { status: 200, body: 'ok' });
    expect((await get('/seq')).status).toBe(500);
    expect((await get('/seq')).status).toBe(200);
    expect((await get('/seq')).status).toBe(200);
    api.route('GET', '/seq', (req) => ({ status: 202, body: req.path }));
    expect(await get('/seq')).toMatchObject({ status: 202, text: '/seq' });
    expect(api.requestsTo('GET', /^\/seq/)).toHaveLength(4);
  });

  it('drops the connection on request', async () => {
    api.route('GET', '/drop', { status: 200, drop: true });
    await expect(fetch(`${api.url}/drop`)).rejects.toThrow();
    expect(api.requests).toHaveLength(1);
  });

  it('reset forgets routes and requests', async () => {
    api.route('GET', '/r', { status: 200 });
    await get('/r');
    api.reset();
    expect(api.requests).toHaveLength(0);
    expect((await get('/r')).status).toBe(404);
  });
});
