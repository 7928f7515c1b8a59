import { describe, expect, it } from 'vitest';
import { exitCodeFor, parseCliArgs } from '../src/cli-args.js';

describe('CLI arguments', () => {
  it.each([
    [['check', '1001'], { kind: 'check', target: '1001', packets: null, json: false, fresh: false }],
    [['check', 'Ana', 'Morales', '--json'], { kind: 'check', target: 'Ana Morales', packets: null, json: true, fresh: false }],
    [['check', '1001', '--packets', '6', '--fresh'], { kind: 'check', target: '1001', packets: 6, json: false, fresh: true }],
    [['check', '--packets=10', '1002'], { kind: 'check', target: '1002', packets: 10, json: false, fresh: false }],
    [['sim'], { kind: 'sim', port: null, dialect: null }],
    [['sim', '--port', '8080'], { kind: 'sim', port: 8080, dialect: null }],
    [['sim', '--dialect', 'plain', '--port', '0'], { kind: 'sim', port: 0, dialect: 'plain' }],
    [['sim', '--dialect=wisphub'], { kind: 'sim', port: null, dialect: 'wisphub' }],
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['check', '--help'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['history', '1001'], { kind: 'history', target: '1001', json: false }],
    [['history', 'Ana', 'Morales', '--json'], { kind: 'history', target: 'Ana Morales', json: true }],
    [['audit'], { kind: 'audit', sinceMs: 86_400_000, json: false }],
    [['audit', '--since', '30m', '--json'], { kind: 'audit', sinceMs: 1_800_000, json: true }],
    [['audit', '--since=7d'], { kind: 'audit', sinceMs: 604_800_000, json: false }],
  ])('%j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it.each([
    [['check'], 'needs a target'],
    [['check', '1001', '--packets', '0'], '--packets takes'],
    [['check', '1001', '--packets', 'x'], '--packets takes'],
    [['check', '1001', '--verbose'], 'unknown option --verbose'],
    [['frobnicate'], 'unknown command'],
    [['sim', '--port', '99999'], '--port takes'],
    [['sim', '--port'], '--port takes'],
    [['sim', '--verbose'], 'unknown option --verbose'],
    [['sim', '--dialect', 'v2'], '--dialect takes v1, plain or wisphub'],
    [['sim', '--dialect'], '--dialect takes v1, plain or wisphub'],
    [['check', '1001', '-j'], 'unknown option -j'],
    [['history'], 'history needs a client'],
    [['audit', '--since', 'yesterday'], '--since takes a duration'],
    [['audit', '--since', '0h'], '--since takes a duration'],
  ])('%j is a usage error', (argv, message) => {
    const r = parseCliArgs(argv);
    expect(r.kind).toBe('usage_error');
    if (r.kind === 'usage_error') expect(r.message).toContain(message);
  });

  it.each([
    ['stable', 0],
    ['intermittent', 1],
    ['antenna_only', 1],
    ['no_internet', 2],
    ['failed', 3],
    ['timed_out', 3],
    ['cancelled', 3],
  ])('verdict %s exits %i', (verdict, code) => {
    expect(exitCodeFor(verdict)).toBe(code);
  });
});
