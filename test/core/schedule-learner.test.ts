import { describe, expect, it } from 'vitest';
import { createScheduleLearner, loadScheduleLearner, ROUTER_MIN_OBSERVED, TRUSTED_OBSERVED, type DurationModelPort, type StoredDurationModel, type TaskKind } from '../../src/core/schedule-learner.js';
import { pollOffset, referencePollOffset } from '../../src/core/schedule.js';
import { seededRandom } from '../../src/sim/seeded.js';

const cfg = { initialDelayMs: 2500, intervalMs: 2000, maxIntervalMs: 5000, packetMs: 1000, timeoutMs: 60_000 };

/** The port as a plain list, so a test can look at what would be stored. */
function memoryPort(initial: StoredDurationModel[] = []): DurationModelPort & { rows: Map<string, StoredDurationModel>; saves: number } {
  const rows = new Map(initial.map((m) => [m.key, m]));
  const port = {
    rows,
    saves: 0,
    loadAll: async () => [...rows.values()],
    async save(models: readonly StoredDurationModel[]) {
      port.saves++;
      for (const m of models) rows.set(m.key, structuredClone(m));
    },
  };
  return port;
}

/** Watches one task that ends at `durationMs` with the learner's plan, and tells it what was seen. */
function watch(learner: ReturnType<typeof createScheduleLearner>, task: TaskKind, durationMs: number): number {
  const offset = learner.plan(task);
  let prev = 0;
  for (let n = 1; ; n++) {
    const t = offset(n);
    if (t >= durationMs) {
      learner.observe(task, { kind: 'finished', afterMs: prev, byMs: t });
      return n;
    }
    prev = t;
  }
}

describe('learning schedule', () => {
  it('starts from the packet model, then follows a slower network', () => {
    const learner = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0 });
    const first = learner.plan({ packets: 4 })(1);
    expect(first).toBeGreaterThanOrEqual(4000);
    expect(first).toBeLessThan(5000);
    // Every task takes 7-7.5 s: once it has seen enough of them to be trusted, each is seen
    // within half a second, in no more polls than the documented strategy's four.
    for (let i = 0; i < TRUSTED_OBSERVED; i++) watch(learner, { packets: 4 }, 7000 + (i % 6) * 100);
    const after = learner.plan({ packets: 4 });
    const polls = Array.from({ length: 8 }, (_, i) => after(i + 1));
    let count = 0;
    const durations = [7000, 7100, 7200, 7300, 7400, 7500];
    for (const d of durations) {
      const n = polls.findIndex((t) => t >= d);
      expect((polls[n] ?? Infinity) - d).toBeLessThan(500);
      count += n + 1;
    }
    expect(count / durations.length).toBeLessThanOrEqual(4);
    // Other packet counts keep their own model.
    expect(learner.plan({ packets: 8 })(1)).toBeGreaterThanOrEqual(8000);
  });

  it('keeps a router its own model once it has seen enough of its tasks', () => {
    const learner = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0 });
    const slow = { packets: 4, router: 'r-slow' };
    for (let i = 0; i < ROUTER_MIN_OBSERVED - 1; i++) watch(learner, slow, 9000 + (i % 3) * 100);
    const before = learner.plan(slow)(1);
    const shared = learner.plan({ packets: 4 })(1);
    watch(learner, slow, 9100);
    for (let i = 0; i < 40; i++) watch(learner, { packets: 4, router: 'r-fast' }, 4500 + (i % 3) * 100);
    // Not enough of its own yet: the packet count's model (shared by both routers) decided.
    expect(before).toBe(shared);
    expect(learner.plan(slow)(1)).not.toBe(learner.plan({ packets: 4 })(1));
    expect(learner.plan({ packets: 4, router: 'r-fast' })(1)).toBeLessThan(5000);
  });

  it('stores what it learned at most every saveEveryMs and on flush, and a new learner picks it up', async () => {
    let now = 0;
    const port = memoryPort();
    const learner = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => now, port, saveEveryMs: 10_000, replanEvery: 1 });
    for (let i = 0; i < 45; i++) {
      now += 1000;
      watch(learner, { packets: 4 }, 7000 + (i % 5) * 100);
    }
    expect(port.saves).toBe(4);
    learner.flush();
    expect(port.saves).toBe(5);
    learner.flush();
    expect(port.saves).toBe(5);
    expect(port.rows.get('p|4')).toMatchObject({ updatedAt: 45_000, model: { observed: 45, binMs: 100 } });

    const next = await loadScheduleLearner({ provider: 'p', schedule: cfg, now: () => now, port });
    expect(next.plan({ packets: 4 })(1)).toBe(learner.plan({ packets: 4 })(1));
    // Another provider's tasks start from the prior.
    const other = await loadScheduleLearner({ provider: 'q', schedule: cfg, now: () => now, port });
    expect(other.plan({ packets: 4 })(1)).toBeLessThan(5000);
  });

  it('ignores a stored model of another shape and keeps learning when the store fails', async () => {
    const port = memoryPort([{ key: 'p|4', model: { binMs: 50, weights: [1, 2, 3], observed: 9 }, updatedAt: 1 }]);
    const errors: unknown[] = [];
    port.save = () => {
      throw new Error('disk full');
    };
    const learner = await loadScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0, port, saveEveryMs: 0, onSaveError: (e) => errors.push(e) });
    const fresh = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0 }).plan({ packets: 4 });
    expect([1, 2, 3, 4].map(learner.plan({ packets: 4 }))).toEqual([1, 2, 3, 4].map(fresh));
    for (let i = 0; i < TRUSTED_OBSERVED; i++) watch(learner, { packets: 4 }, 8000);
    expect(errors.length).toBeGreaterThan(0);
    const after = learner.plan({ packets: 4 });
    const first = Array.from({ length: 10 }, (_, i) => after(i + 1)).find((t) => t >= 8000) ?? Infinity;
    expect(first - 8000).toBeLessThan(500);
  });

  it('on the workload the packet model describes, polls no more than the packet schedule', () => {
    const learner = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0 });
    let learned = 0;
    let today = 0;
    for (let i = 0; i < 300; i++) {
      const d = 4300 + ((i * 37) % 1200);
      learned += watch(learner, { packets: 4 }, d);
      for (let n = 1; ; n++) if (pollOffset(n, 4, cfg) >= d) {
        today += n;
        break;
      }
    }
    expect(learned).toBeLessThanOrEqual(today * 1.05);
  });

  it('until it has seen enough, no task costs more polls than the documented strategy (uniform 1.5-14 s, issue 18)', () => {
    const rand = seededRandom(18);
    const documented = (d: number) => {
      for (let n = 1; ; n++) if (referencePollOffset(n, cfg) >= d) return n;
    };
    let extra = 0;
    let learned = 0;
    let doc = 0;
    for (let trial = 0; trial < 20; trial++) {
      const learner = createScheduleLearner({ provider: 'p', schedule: cfg, now: () => 0 });
      for (let i = 0; i < 40; i++) {
        const d = 1500 + rand() * 12_500;
        const n = watch(learner, { packets: 4 }, d);
        learned += n;
        doc += documented(d);
        if (n > documented(d)) extra++;
      }
    }
    expect(extra).toBe(0);
    expect(learned).toBeLessThanOrEqual(doc);
  });
});
