import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConnection as openDatabase, StoreOpenError, type Migration } from '../../src/store/sqlite/connection.js';
import { captureLogs } from '../support/log-capture.js';

const STEPS: Migration[] = [
  { id: '0001-a', sql: 'CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)' },
  { id: '0002-b', sql: 'CREATE TABLE b (id INTEGER PRIMARY KEY)' },
];

let dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pingops-db-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('openDatabase', () => {
  it('creates the file and its folder, runs each migration once, in WAL mode', () => {
    const path = join(tempDir(), 'nested', 'pingops.db');
    const logs = captureLogs();
    const db = openDatabase(path, STEPS, logs.logger);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('INSERT INTO a (v) VALUES (?)').run('kept');
    db.close();
    expect(logs.records().filter((l) => l.msg === 'store migrated')).toHaveLength(2);

    const again = captureLogs();
    const reopened = openDatabase(path, [...STEPS, { id: '0003-c', sql: 'CREATE TABLE c (id INTEGER)' }], again.logger);
    expect(reopened.prepare('SELECT v FROM a').all()).toEqual([{ v: 'kept' }]);
    expect(again.records().filter((l) => l.msg === 'store migrated').map((l) => l.migration)).toEqual(['0003-c']);
    reopened.close();
  });

  it('refuses a corrupt file with an error that names PINGOPS_DB', () => {
    const path = join(tempDir(), 'broken.db');
    writeFileSync(path, 'this is not a database, just text that someone saved here '.repeat(200));
    expect(() => openDatabase(path, STEPS, captureLogs().logger)).toThrow(StoreOpenError);
    expect(() => openDatabase(path, STEPS, captureLogs().logger)).toThrow(/PINGOPS_DB=.*broken\.db/);
  });

  it('refuses a path under a file, naming PINGOPS_DB', () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    expect(() => openDatabase(join(file, 'pingops.db'), STEPS, captureLogs().logger)).toThrow(/PINGOPS_DB=/);
  });

  it('refuses a store written by a newer pingops', () => {
    const path = join(tempDir(), 'new.db');
    openDatabase(path, [...STEPS, { id: '0009-future', sql: 'SELECT 1' }], captureLogs().logger).close();
    expect(() => openDatabase(path, STEPS, captureLogs().logger)).toThrow(/newer pingops.*0009-future/);
  });

  it('opens :memory: for tests', () => {
    const db = openDatabase(':memory:', STEPS, captureLogs().logger);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b')").get()).toEqual({ n: 2 });
    db.close();
  });
});
