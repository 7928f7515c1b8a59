import { readFileSync, readdirSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import type { TaskResult } from '../../src/core/verdict.js';
import {
  MAX_MESSAGE_CHARS,
  cleanMessage,
  describeDetail,
  normalizeClient,
  normalizeClientAnswer,
  normalizeClientList,
  normalizeCreated,
  normalizeTaskResult,
} from '../../src/pingapi/normalize.js';
import { silentLogger } from '../../src/util/logger.js';
import { ANA_MORALES, bareClient } from '../support/clients.js';

const fixturesDir = new URL('../fixtures/', import.meta.url);
const raw = (name: string) => readFileSync(new URL(name, fixturesDir), 'utf8');
const apiFixtures = readdirSync(fixturesDir).filter((f) => /^api-.*\.json$/.test(f));

const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';

/** What every api-* fixture means, whichever reader it belongs to. */
type Expectation =
  | { reader: 'result'; status: number; want: TaskResult }
  | { reader: 'created'; status: number; want: { taskId: string } | { throws: 'rejected' } }
  | { reader: 'client'; status: number; want: 'found' | null };

const FIXTURES: Record<string, Expectation> = {
  'api-result-stable.json': { reader: 'result', status: 200, want: { kind: 'final', verdict: 'stable', message: null, lossPct: null, rttMs: null } },
  'api-result-intermittent.json': { reader: 'result', status: 200, want: { kind: 'final', verdict: 'intermittent', message: null, lossPct: null, rttMs: null } },
  'api-result-no-internet.json': { reader: 'result', status: 200, want: { kind: 'final', verdict: 'no_internet', message: null, lossPct: null, rttMs: null } },
  'api-result-failed.json': { reader: 'result', status: 200, want: { kind: 'final', verdict: 'failed', message: null, lossPct: null, rttMs: null } },
  'api-result-pending.json': { reader: 'result', status: 200, want: { kind: 'pending', message: null } },
  'api-result-status-stable.json': {
    reader: 'result',
    status: 200,
    want: { kind: 'final', verdict: 'stable', message: 'Client device has an active connection.', lossPct: null, rttMs: null },
  },
  'api-result-status-antenna-only.json': {
    reader: 'result',
    status: 200,
    want: { kind: 'final', verdict: 'antenna_only', message: 'Customer device is unreachable, but the main antenna has connection.', lossPct: null, rttMs: null },
  },
  'api-result-status-pending.json': { reader: 'result', status: 200, want: { kind: 'pending', message: 'Ping task is still processing.' } },
  'api-error-detail.json': { reader: 'result', status: 400, want: { kind: 'final', verdict: 'failed', message: 'Ping failed', lossPct: null, rttMs: null } },
  'api-create-ok.json': { reader: 'created', status: 200, want: { taskId: TASK } },
  'api-create-bare.json': { reader: 'created', status: 202, want: { taskId: TASK } },
  'api-create-failed.json': { reader: 'created', status: 200, want: { throws: 'rejected' } },
  'api-client-found.json': { reader: 'client', status: 200, want: 'found' },
  'api-client-not-found.json': { reader: 'client', status: 200, want: null },
};

describe('every api fixture', () => {
  it('has an expectation (a new fixture must be added to the table)', () => {
    expect(apiFixtures.length).toBeGreaterThan(0);
    expect(apiFixtures.filter((f) => !(f in FIXTURES))).toEqual([]);
  });

  it.each(Object.entries(FIXTURES))('%s reads as expected', (name, e) => {
    const body = raw(name);
    if (e.reader === 'result') {
      expect(normalizeTaskResult(e.status, body)).toEqual(e.want);
    } else if (e.reader === 'created') {
      if ('throws' in e.want) {
        expect(() => normalizeCreated(e.status, body)).toThrow(PermanentError);
        expect(() => normalizeCreated(e.status, body)).toThrow(/could not create the ping task/);
      } else {
        expect(normalizeCreated(e.status, body)).toEqual(e.want);
      }
    } else {
      const got = normalizeClientAnswer(e.status, body);
      if (e.want === null) expect(got).toBeNull();
      else expect(got?.serviceId).toBe(1001);
    }
  });
});

describe('normalizeTaskResult: loose shapes', () => {
  const final = (verdict: string, message: string | null = null) => ({ kind: 'final', verdict, message, lossPct: null, rttMs: null });
  const pending = (message: string | null = null) => ({ kind: 'pending', message });
  const cases: [string, number, string, unknown][] = [
    ['action pending', 200, '{"action":"pending"}', pending()],
    ['result pending', 200, '{"result":"pending"}', pending()],
    ['status pending with message', 200, '{"status":"pending","message":"  still going  "}', pending('still going')],
    ['empty body', 200, '', pending()],
    ['whitespace body', 200, ' \n ', pending()],
    ['null', 200, 'null', pending()],
    ['empty object', 200, '{}', pending()],
    ['unknown action', 200, '{"action":"queued","message":"in queue"}', pending('in queue')],
    ['envelope ok with data and no verdict', 200, '{"ok":true,"action":"ping_created","data":{}}', pending()],
    ['non-string message', 200, '{"status":"pending","message":42}', pending()],
    ['empty message', 200, '{"status":"stable","message":"   "}', final('stable')],
    ['verdict word in status: stable_connection', 200, '{"status":"stable_connection"}', final('stable')],
    ['verdict word in action: stable', 200, '{"action":"stable"}', final('stable')],
    ['verdict word in action: antenna_only', 200, '{"action":"antenna_only"}', final('antenna_only')],
    ['intermittent in status', 200, '{"status":"intermittent"}', final('intermittent')],
    ['intermittent_connection in status', 200, '{"status":"intermittent_connection"}', final('intermittent')],
    ['no_internet in status', 200, '{"status":"no_internet","message":"nothing answers"}', final('no_internet', 'nothing answers')],
    ['failed in status', 200, '{"status":"failed"}', final('failed')],
    ['ping_failed in status', 200, '{"status":"ping_failed"}', final('failed')],
    ['upper case word', 200, '{"action":"STABLE_CONNECTION"}', final('stable')],
    ['ok false without action', 200, '{"ok":false,"message":"router error"}', final('failed', 'router error')],
    ['ok false with pending action', 200, '{"ok":false,"action":"pending"}', final('failed')],
    ['202 pending', 202, '{"status":"pending"}', pending()],
    ['error in status (200)', 200, '{"status":"error","message":"MikroTik interface error."}', final('failed', 'MikroTik interface error.')],
    ['processing in status', 200, '{"status":"PROCESS"}', pending()],
    ['400 detail', 400, '{"detail":"Interface not found"}', final('failed', 'Interface not found')],
    ['400 without body', 400, '', final('failed')],
    ['400 html', 400, '<html>bad</html>', final('failed')],
  ];
  it.each(cases)('%s', (_name, status, body, want) => {
    expect(normalizeTaskResult(status, body)).toEqual(want);
  });

  it.each([
    ['status', '{"status":"degraded_link"}', 'degraded_link'],
    ['action', '{"action":"link_degraded","message":"x"}', 'link_degraded'],
    ['result', '{"result":"maybe"}', 'maybe'],
    ['prototype key', '{"action":"constructor"}', 'constructor'],
  ])('an unknown verdict word in %s fails at once, typed and not retried (issue 8)', (_field, body, word) => {
    let err: unknown;
    try {
      normalizeTaskResult(200, body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ kind: 'unexpected', message: `unexpected answer from the Ping API: ${word}` });
  });

  it.each([
    ['html', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated json', '{"action":"stab'],
    ['array', '["stable"]'],
    ['string', '"stable"'],
    ['number', '42'],
    ['true', 'true'],
  ])('a %s body is a malformed (transient) answer', (_name, body) => {
    const err = (() => {
      try {
        normalizeTaskResult(200, body);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).kind).toBe('malformed');
  });

  it('caps a long message and strips control characters', () => {
    const long = `a\u0007b ${'x'.repeat(2000)}`;
    const got = normalizeTaskResult(200, JSON.stringify({ status: 'stable', message: long }));
    expect(got.message?.length).toBe(MAX_MESSAGE_CHARS);
    expect(got.message?.startsWith('a b x')).toBe(true);
    expect(got.message?.endsWith('…')).toBe(true);
  });
});

describe('normalizeCreated', () => {
  it.each([
    ['envelope', 200, `{"ok":true,"action":"ping_created","data":{"task_id":"${TASK}"}}`, TASK],
    ['bare', 202, '{"task_id":"abc.123:x-y_z"}', 'abc.123:x-y_z'],
    ['201', 201, '{"task_id":"t1"}', 't1'],
  ])('%s', (_n, status, body, taskId) => {
    expect(normalizeCreated(status, body)).toEqual({ taskId });
  });

  it.each([
    ['ok false with message', 200, '{"ok":false,"action":"ping_failed","message":"router offline"}', /could not create the ping task: router offline/],
    ['ping_failed action only', 200, '{"action":"ping_failed"}', /could not create the ping task$/],
    ['400 detail', 400, '{"detail":"Service has no router"}', /could not create the ping task: Service has no router/],
  ])('refusal: %s → rejected', (_n, status, body, message) => {
    const run = () => normalizeCreated(status, body);
    expect(run).toThrow(PermanentError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as PermanentError).kind).toBe('rejected');
      expect((e as PermanentError).status).toBe(status);
    }
  });

  it.each([
    ['html', '<html>oops</html>'],
    ['empty', ''],
    ['null', 'null'],
    ['array', '[]'],
    ['no task id', '{"ok":true,"data":{}}'],
    ['numeric task id', '{"task_id":123}'],
    ['empty task id', '{"task_id":""}'],
    ['task id with slash', '{"task_id":"../../admin"}'],
    ['task id with space', '{"task_id":"a b"}'],
    ['task id too long', JSON.stringify({ task_id: 'a'.repeat(129) })],
  ])('malformed: %s', (_n, body) => {
    try {
      normalizeCreated(200, body);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(TransientError);
      expect((e as TransientError).kind).toBe('malformed');
    }
  });
});

describe('normalizeClient', () => {
  const found = (JSON.parse(raw('api-client-found.json')) as { data: Record<string, unknown> }).data;

  it.each([
    [1e308, null],
    [-1e12, null],
    ['1e+308', null],
    [65000, 65000],
    ['65000', 65000],
  ])('plan price %j is read as %j: absurd numbers are dropped at ingest (issue 8)', (price, expected) => {
    expect(normalizeClient({ ...found, internet_plan_price: price }).planPrice).toBe(expected);
  });

  it('strips bidi and zero-width characters from names and addresses at ingest (issue 8)', () => {
    const c = normalizeClient({ ...found, name: 'Ana \u202eselaroM\u202c\u200b', address: '\ufeffCra 12\u2066' });
    expect(c.name).toBe('Ana selaroM');
    expect(c.address).toBe('Cra 12');
  });

  it('maps the fixture field by field', () => {
    expect(normalizeClient(found)).toEqual(ANA_MORALES);

  });

  it('fills missing optional fields with null', () => {
    expect(normalizeClient({ service_id: 7, name: 'Luis' })).toEqual(bareClient(7, 'Luis', { paymentStatus: null }));

  });

  it('accepts numbers as strings and strings as numbers', () => {
    const c = normalizeClient({
      service_id: '1002',
      name: ' Beto ',
      document: 123456,
      zone_id: '9',
      outstanding_balance: '15000.50',
      internet_plan_price: '',
      technician_id: 'x',
      cut_off_date: '2026-03-01T00:00:00',
    });
    expect(c).toMatchObject({
      serviceId: 1002,
      name: 'Beto',
      document: '123456',
      zoneId: 9,
      outstandingBalance: 15000.5,
      planPrice: null,
      technicianId: null,
      router: null,
      sector: null,
      zoneName: null,
      cutOffDate: '2026-03-01',
    });
  });

  it.each([
    ['impossible date', '2026-02-31'],
    ['not a date', 'mañana'],
    ['number', 20260301],
  ])('cut_off_date %s → null', (_n, v) => {
    expect(normalizeClient({ service_id: 1, name: 'A', cut_off_date: v }).cutOffDate).toBeNull();
  });

  it.each([
    ['zero service id', { service_id: 0, name: 'A' }],
    ['negative service id', { service_id: -3, name: 'A' }],
    ['fractional service id', { service_id: 1.5, name: 'A' }],
    ['non-numeric service id', { service_id: '10a', name: 'A' }],
    ['missing service id', { name: 'A' }],
    ['missing name', { service_id: 1 }],
    ['blank name', { service_id: 1, name: '  ' }],
    ['not an object', 'client'],
    ['null', null],
  ])('rejects %s as malformed', (_n, json) => {
    expect(() => normalizeClient(json)).toThrow(TransientError);
  });

  it('names bad fields but never echoes their values', () => {
    expect(() => normalizeClient({ service_id: 'secret-looking-value', name: 'A' })).toThrow(/\(service_id\)/);
    expect(() => normalizeClient({ service_id: 'secret-looking-value', name: 'A' })).not.toThrow(/secret-looking-value/);
  });
});

describe('normalizeClientAnswer', () => {
  it.each([
    ['bare client object', '{"service_id":5,"name":"Eva"}', 5],
    ['envelope with data null', '{"ok":true,"action":"client_found","data":null}', null],
    ['client_not_found', raw('api-client-not-found.json'), null],
  ])('%s', (_n, body, serviceId) => {
    const got = normalizeClientAnswer(200, body);
    expect(got === null ? null : got.serviceId).toBe(serviceId);
  });

  it('another ok:false is a permanent refusal carrying its message', () => {
    expect(() => normalizeClientAnswer(200, '{"ok":false,"action":"wisphub_error","message":"WispHub down for maintenance"}')).toThrow(
      /refused the client look-up: WispHub down for maintenance/,
    );
  });

  it.each([['<html>'], [''], ['[]'], ['{"foo":1}']])('malformed body %j', (body) => {
    expect(() => normalizeClientAnswer(200, body)).toThrow(TransientError);
  });
});

describe('normalizeClientList', () => {
  it('reads the data list, skipping and logging invalid items', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
    const body = JSON.stringify({
      ok: true,
      action: 'clients_listed',
      data: [{ service_id: 1, name: 'A' }, { service_id: 'nope', name: 'B' }, 'junk', { service_id: 3, name: 'C' }],
    });
    expect(normalizeClientList(200, body, logger).map((c) => c.serviceId)).toEqual([1, 3]);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ index: 1, msg: 'skipping an unreadable client in a search answer' });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ index: 2 });
  });

  it.each([
    ['empty list', '{"ok":true,"action":"clients_listed","data":[]}', []],
    ['data null', '{"ok":true,"data":null}', []],
    ['bare list', '[{"service_id":9,"name":"Z"}]', [9]],
    ['not found envelope', '{"ok":false,"action":"client_not_found","data":null}', []],
    ['empty body', '', []],
  ])('%s', (_n, body, ids) => {
    expect(normalizeClientList(200, body, silentLogger).map((c) => c.serviceId)).toEqual(ids);
  });

  it.each([['<html>'], ['{"data":{"service_id":1}}'], ['7']])('malformed %j', (body) => {
    expect(() => normalizeClientList(200, body, silentLogger)).toThrow(TransientError);
  });
});

describe('cleanMessage and describeDetail', () => {
  it.each([
    [null, null],
    [42, null],
    ['', null],
    ['  hi  ', 'hi'],
    ['a\u0000b', 'a b'],
    ['line1\nline2', 'line1 line2'], // one line wherever it shows (issue 17)
  ])('cleanMessage(%j) = %j', (v, want) => {
    expect(cleanMessage(v)).toBe(want);
  });

  it.each([
    ['{"detail":"Ping failed"}', 'Ping failed'],
    ['{"detail":[{"loc":["body","pings"],"msg":"Field required","type":"missing"}]}', 'Field required (body.pings)'],
    ['{"detail":[{"msg":"a"},{"msg":"b"}]}', 'a; b'],
    ['{"message":"nope"}', 'nope'],
    ['{"detail":{"x":1}}', null],
    ['<html>', null],
    ['', null],
  ])('describeDetail(%s) = %j', (body, want) => {
    expect(describeDetail(body)).toBe(want);
  });
});
