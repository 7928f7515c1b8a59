import { describe, expect, it } from 'vitest';
import { isGenericNotFound, layoutFromOpenApi, layoutFromProbe, routesFor } from '../../src/pingapi/routes.js';

const doc = (...paths: string[]) => ({ openapi: '3.1.0', paths: Object.fromEntries(paths.map((p) => [p, { get: {} }])) });

describe('layoutFromOpenApi', () => {
  it.each([
    ['the documented routes', doc('/health', '/api/v1/{service_id}/ping/', '/api/v1/ping/{task_id}/'), 'v1'],
    ['the code today', doc('/health', '/api/{service_id}/ping/', '/api/ping/{task_id}/', '/api/clients/'), 'plain'],
    ['both (v1 wins: documented)', doc('/api/{service_id}/ping/', '/api/v1/{service_id}/ping/'), 'v1'],
    ['no trailing slash', doc('/api/{id}/ping'), 'plain'],
    ['neither', doc('/health', '/api/clients/'), null],
    ['the result route only', doc('/api/ping/{task_id}/'), null],
    ['no paths', { openapi: '3.1.0' }, null],
    ['paths not an object', { paths: ['/api/{id}/ping/'] }, null],
    ['a list', [], null],
    ['null', null, null],
    ['a string', '/api/{id}/ping/', null],
  ] as const)('%s → %s', (_n, input, want) => {
    expect(layoutFromOpenApi(input)).toBe(want);
  });
});

describe('isGenericNotFound', () => {
  it.each([
    [404, '{"detail":"Not Found"}', true],
    [404, '{"detail": "Not Found"}\n', true],
    [404, '{"detail":"client_not_found"}', false],
    [404, '{"detail":"Not Found","extra":1}', false],
    [404, '{"ok":false,"action":"client_not_found"}', false],
    [404, '<html>Not Found</html>', false],
    [404, '', false],
    [200, '{"detail":"Not Found"}', false],
    [405, '{"detail":"Not Found"}', false],
  ])('%i %s → %s', (status, body, want) => {
    expect(isGenericNotFound(status, body)).toBe(want);
  });
});

describe('layoutFromProbe', () => {
  const generic = { status: 404, text: '{"detail":"Not Found"}' };
  it.each([
    ['only plain exists', generic, { status: 404, text: '{"detail":"client_not_found"}' }, 'plain'],
    ['plain answers 403 (no key)', generic, { status: 403, text: '{"detail":"API Key inválida o ausente."}' }, 'plain'],
    ['plain answers 500', generic, { status: 500, text: '' }, 'plain'],
    ['only v1 exists', { status: 404, text: '{"ok":false,"action":"client_not_found"}' }, generic, 'v1'],
    ['both exist', { status: 401, text: '' }, { status: 403, text: '' }, 'v1'],
    ['neither exists: the documented one', generic, generic, 'v1'],
  ] as const)('%s → %s', (_n, v1, plain, want) => {
    expect(layoutFromProbe(v1, plain)).toBe(want);
  });
});

describe('routesFor', () => {
  it.each([
    ['v1', ['/api/v1/1001/ping/', '/api/v1/ping/t%2F1/', '/api/v1/clients/by-service-id/1001', '/api/v1/clients/by-document/10%2023', '/api/v1/clients/by-phone/%2B57310', '/api/v1/clients/search']],
    ['plain', ['/api/1001/ping/', '/api/ping/t%2F1/', '/api/clients/by-service-id/1001', '/api/clients/by-document/10%2023', '/api/clients/by-phone/%2B57310', '/api/clients/search']],
  ] as const)('%s', (layout, want) => {
    const r = routesFor(layout);
    expect([r.create(1001), r.result('t/1'), r.byServiceId(1001), r.byDocument('10 23'), r.byPhone('+57310'), r.search]).toEqual(want);
  });
});
