import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { priorModel } from '../../src/core/duration-model.js';
import { createScheduleLearner } from '../../src/core/schedule-learner.js';
import { createClientCardRepository } from '../../src/store/client-cards.js';
import { openDatabase } from '../../src/store/database.js';
import { createDurationModelRepository } from '../../src/store/duration-models.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { silentLogger } from '../../src/util/logger.js';
import { ANA_MORALES, bareClient } from '../support/clients.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const dbFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'pingops-i12-'));
  dirs.push(d);
  return join(d, 'pingops.db');
};

describe('duration models in the store', () => {
  it('keep what the schedule learned across a restart', () => {
    const path = dbFile();
    const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 };
    let db = openDatabase(path, MIGRATIONS, silentLogger);
    const learner = createScheduleLearner({ provider: 'https://api.isp', schedule: cfg, now: () => 1, port: createDurationModelRepository(db) });
    for (let i = 0; i < 50; i++) learner.observe({ packets: 4, router: 'r1' }, { kind: 'finished', afterMs: 8000, byMs: 8300 });
    learner.flush();
    const planned = [1, 2, 3].map(learner.plan({ packets: 4 }));
    db.close();

    db = openDatabase(path, MIGRATIONS, silentLogger);
    const rows = createDurationModelRepository(db).loadAll();
    expect(rows.map((r) => r.key).sort()).toEqual(['https://api.isp|4', 'https://api.isp|4|r1']);
    expect(rows[0]?.model).toMatchObject({ binMs: 100, observed: 50 });
    const again = createScheduleLearner({ provider: 'https://api.isp', schedule: cfg, now: () => 2, port: createDurationModelRepository(db) });
    expect([1, 2, 3].map(again.plan({ packets: 4 }))).toEqual(planned);
    db.close();
  });

  it('skips a row it cannot read instead of failing', () => {
    const db = openDatabase(':memory:', MIGRATIONS, silentLogger);
    const repo = createDurationModelRepository(db);
    repo.save([{ key: 'p|4', model: priorModel(4, 1000, 60_000), updatedAt: 5 }]);
    db.prepare("INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at) VALUES ('p|5', 100, '[1, -2, \"x\"]', 3, 5)").run();
    expect(repo.loadAll().map((r) => r.key)).toEqual(['p|4']);
    db.close();
  });
});

describe('client cards in the store', () => {
  it('gives back the card as stored, and nothing for another id or a damaged row', () => {
    const db = openDatabase(':memory:', MIGRATIONS, silentLogger);
    const cards = createClientCardRepository(db, 300_000);
    const ana = { ...ANA_MORALES, paymentStatus: 'Suspendido' };
    cards.put([{ record: ana, fetchedAt: 1_000_000 }]);
    expect(cards.get(1001)).toEqual({ record: ana, fetchedAt: 1_000_000 });
    expect(cards.get(1002)).toBeNull();
    db.prepare("UPDATE client_cards SET card = '{\"serviceId\":\"x\"}' WHERE service_id = 1001").run();
    expect(cards.get(1001)).toBeNull();
    db.close();
  });

  it('drops cards older than it keeps as new ones arrive', () => {
    const db = openDatabase(':memory:', MIGRATIONS, silentLogger);
    const cards = createClientCardRepository(db, 300_000);
    cards.put([{ record: bareClient(1001, 'Ana'), fetchedAt: 1_000_000 }]);
    cards.put([{ record: bareClient(1002, 'Jorge'), fetchedAt: 1_400_000 }]);
    expect(cards.get(1001)).toBeNull();
    expect(cards.get(1002)?.record.serviceId).toBe(1002);
    db.close();
  });
});
