import { describe, expect, it } from 'vitest';
import { normalizeBaseUrl, providerIdentity, type ProviderSpec } from '../../src/pingapi/identity.js';
import { Secret } from '../../src/util/secret.js';

const key = (k: string): ProviderSpec => ({ kind: 'middleware', url: 'https://ping.isp.example/api', auth: { kind: 'key', header: 'X-API-Key', key: new Secret(k) } });
const wisphub = (url: string, k: string): ProviderSpec => ({ kind: 'wisphub', url, key: new Secret(k) });

describe('providerIdentity', () => {
  it('names the kind, the normalized URL and a fingerprint of the credential', () => {
    expect(providerIdentity(key('s3cret-key'))).toMatch(/^middleware:https:\/\/ping\.isp\.example\/api#[0-9a-f]{16}$/);
    expect(providerIdentity(wisphub('https://api.wisphub.net', 'k'))).toMatch(/^wisphub:https:\/\/api\.wisphub\.net#[0-9a-f]{16}$/);
    expect(providerIdentity({ kind: 'middleware', url: 'http://127.0.0.1:8080', auth: { kind: 'none' } })).toBe('middleware:http://127.0.0.1:8080#none');
    expect(providerIdentity({ kind: 'sim', dialect: 'wisphub' })).toBe('sim:wisphub');
  });

  it('never contains the secret', () => {
    const secrets = ['s3cret-key', 'hunter2'];
    const ids = [
      providerIdentity(key(secrets[0]!)),
      providerIdentity({ kind: 'middleware', url: 'https://noc:hunter2@ping.isp.example/', auth: { kind: 'none' } }),
      providerIdentity({ kind: 'middleware', url: 'https://ping.isp.example', auth: { kind: 'jwt', username: 'noc', password: new Secret(secrets[1]!) } }),
    ];
    for (const id of ids) for (const s of secrets) expect(id).not.toContain(s);
    expect(ids[1]).toMatch(/^middleware:https:\/\/ping\.isp\.example#[0-9a-f]{16}$/);
  });

  it.each<[string, ProviderSpec, ProviderSpec]>([
    ['trailing slash, case, default port, query', key('a'), { ...key('a'), url: 'HTTPS://Ping.ISP.example:443/api/?x=1#f' } as ProviderSpec],
    ['the header name case', key('a'), { kind: 'middleware', url: 'https://ping.isp.example/api', auth: { kind: 'key', header: 'x-api-key', key: new Secret('a') } }],
    ['surrounding blanks', wisphub('https://api.wisphub.net', 'k'), wisphub(' https://api.wisphub.net/ ', 'k')],
  ])('is the same despite %s', (_, a, b) => {
    expect(providerIdentity(a)).toBe(providerIdentity(b));
  });

  it.each<[string, ProviderSpec, ProviderSpec]>([
    ['another key', key('a'), key('b')],
    ['another URL', wisphub('https://api.wisphub.net', 'k'), wisphub('https://api.wisphub.net/v2', 'k')],
    ['another kind at the same URL with the same secret', wisphub('https://ping.isp.example/api', 'a'), key('a')],
    ['a key and no key', key('a'), { kind: 'middleware', url: 'https://ping.isp.example/api', auth: { kind: 'none' } }],
    ['another header', key('a'), { kind: 'middleware', url: 'https://ping.isp.example/api', auth: { kind: 'key', header: 'Authorization', key: new Secret('a') } }],
    [
      'a JWT login split differently',
      { kind: 'middleware', url: 'https://x.example', auth: { kind: 'jwt', username: 'ab', password: new Secret('c') } },
      { kind: 'middleware', url: 'https://x.example', auth: { kind: 'jwt', username: 'a', password: new Secret('bc') } },
    ],
    ['two simulator dialects', { kind: 'sim', dialect: 'v1' }, { kind: 'sim', dialect: 'wisphub' }],
  ])('differs for %s', (_, a, b) => {
    expect(providerIdentity(a)).not.toBe(providerIdentity(b));
  });

  it('is stable across processes (a fixed value, no per-process salt)', () => {
    // Computed once and written down: a change here would empty every store's cache.
    expect(providerIdentity(wisphub('https://api.wisphub.net', 'test-key'))).toBe('wisphub:https://api.wisphub.net#b11e64a8a14c7b44');
  });

  it('normalizes a base URL and takes its credentials out', () => {
    expect(normalizeBaseUrl('http://u%40x:p@Host:8080//')).toEqual({ url: 'http://host:8080', userinfo: 'u@x:p' });
  });
});
