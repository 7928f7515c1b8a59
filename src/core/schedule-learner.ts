import { distribution, fitsShape, observe, priorModel, type DurationModel, type TaskObservation } from './duration-model.js';
import { capPolls, planOffset, planPolls, type PlanConfig } from './schedule.js';

/** A learned model as the store keeps it. */
export interface StoredDurationModel {
  /** `provider|packets` or `provider|packets|router`. */
  key: string;
  model: DurationModel;
  /** Wall-clock ms of the last observation. */
  updatedAt: number;
}

/**
 * Where learned models live between runs (src/store/ implements it; tests may keep them in
 * memory). Declared here, not in store/ports.ts, because core depends on nothing above it.
 */
export interface DurationModelPort {
  loadAll(): Promise<StoredDurationModel[]>;
  save(models: readonly StoredDurationModel[]): Promise<void>;
}

/** What the planner may know about a task before it starts. */
export interface TaskKind {
  packets: number;
  /** The client's router, when the card names it: tasks on one router tend to last alike. */
  router?: string | null;
}

/** Chooses each task's poll times and learns from how each task ended. */
export interface PollPlanner {
  /** Poll times (ms after creation) for a new task: `offset(attempt)`, 1-based. */
  plan(task: TaskKind): (attempt: number) => number;
  /** What one watched task told us. */
  observe(task: TaskKind, obs: TaskObservation): void;
  /** Writes models changed since the last save. */
  flush(): Promise<void>;
}

export interface LearnerOptions {
  /** Names the Ping API in the model keys: tasks of another ISP's API last differently. */
  provider: string;
  schedule: PlanConfig;
  /** Wall clock, for `updatedAt` and save pacing. */
  now: () => number;
  /** Saves the models (see loadScheduleLearner for loading them). */
  port?: DurationModelPort;
  /** Models loaded before (see loadScheduleLearner). */
  stored?: readonly StoredDurationModel[];
  /** Saves at most this often (default 10 s); `flush()` saves at once. */
  saveEveryMs?: number;
  /** A plan is recomputed after this many new observations of its key (default 8). */
  replanEvery?: number;
  /** Tasks a model must have seen before its plan may poll ahead of the documented strategy (default TRUSTED_OBSERVED). */
  trustedAfter?: number;
  /** Called when the store fails; learning goes on in memory. */
  onSaveError?: (err: unknown) => void;
}

/** A router's own model is used once it has seen this many tasks; before, the packet count's. */
export const ROUTER_MIN_OBSERVED = 20;

/**
 * Tasks a model must have seen before its plan may poll ahead of the documented strategy.
 * Before, the plan's polls are moved so that poll m never comes before the documented poll m:
 * whatever the tasks really take, no task costs more polls than the documented strategy would
 * have spent on it. A few dozen tasks of a workload unlike the packet model were not enough
 * (4.8 polls against 4.0 on uniform 1.5-14 s tasks, issue 18; `npm run bench -- schedule`).
 */
export const TRUSTED_OBSERVED = 100;

interface Slot {
  model: DurationModel;
  updatedAt: number;
  plan: number[] | null;
  sincePlan: number;
  dirty: boolean;
}

/**
 * The learning schedule: one duration model per (provider, packets) and per (provider,
 * packets, router), each starting from the packet model, each task's poll times planned from
 * the most specific model that has seen enough.
 */
export function createScheduleLearner(opts: LearnerOptions): PollPlanner {
  const cfg = opts.schedule;
  const replanEvery = Math.max(1, opts.replanEvery ?? 8);
  const trustedAfter = opts.trustedAfter ?? TRUSTED_OBSERVED;
  const saveEveryMs = opts.saveEveryMs ?? 10_000;
  const slots = new Map<string, Slot>();
  let lastSave = opts.now();

  for (const stored of opts.stored ?? []) {
    if (!stored.key.startsWith(`${opts.provider}|`) || !fitsShape(stored.model, cfg.packetMs, cfg.timeoutMs)) continue;
    slots.set(stored.key, { model: stored.model, updatedAt: stored.updatedAt, plan: null, sincePlan: 0, dirty: false });
  }

  const keyOf = (packets: number, router?: string | null) => `${opts.provider}|${packets}${router ? `|${router}` : ''}`;

  const slotFor = (key: string, packets: number): Slot => {
    let slot = slots.get(key);
    if (!slot) {
      slot = { model: priorModel(packets, cfg.packetMs, cfg.timeoutMs), updatedAt: 0, plan: null, sincePlan: 0, dirty: false };
      slots.set(key, slot);
    }
    return slot;
  };

  const planOf = (slot: Slot): number[] => {
    if (!slot.plan || slot.sincePlan >= replanEvery) {
      slot.plan = planPolls(distribution(slot.model), slot.model.binMs, cfg);
      slot.sincePlan = 0;
    }
    return slot.plan;
  };

  const save = () => {
    lastSave = opts.now();
    const dirty = [...slots].filter(([, s]) => s.dirty);
    if (dirty.length === 0 || !opts.port) return Promise.resolve();
    const failed = (err: unknown) => {
      // Saved again with the next batch.
      for (const [, s] of dirty) s.dirty = true;
      opts.onSaveError?.(err);
    };
    for (const [, s] of dirty) s.dirty = false;
    try {
      return opts.port.save(dirty.map(([key, s]) => ({ key, model: s.model, updatedAt: s.updatedAt }))).catch(failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  };

  return {
    plan(task) {
      const packets = task.packets;
      const own = task.router ? slots.get(keyOf(packets, task.router)) : undefined;
      const slot = own && own.model.observed >= ROUTER_MIN_OBSERVED ? own : slotFor(keyOf(packets), packets);
      const plan = planOf(slot);
      const offset = (attempt: number) => planOffset(plan, attempt, cfg);
      return slot.model.observed >= trustedAfter ? offset : capPolls(offset, cfg, 0);
    },

    observe(task, obs) {
      const keys = [keyOf(task.packets), ...(task.router ? [keyOf(task.packets, task.router)] : [])];
      for (const key of keys) {
        const slot = slotFor(key, task.packets);
        slot.model = observe(slot.model, obs);
        slot.updatedAt = opts.now();
        slot.sincePlan++;
        slot.dirty = true;
      }
      if (opts.now() - lastSave >= saveEveryMs) void save();
    },

    flush: save,
  };
}

/** A learner that starts from the models `opts.port` kept; a store that cannot be read starts from the prior. */
export async function loadScheduleLearner(opts: LearnerOptions): Promise<PollPlanner> {
  let stored: readonly StoredDurationModel[] = [];
  try {
    stored = (await opts.port?.loadAll()) ?? [];
  } catch (err) {
    opts.onSaveError?.(err);
  }
  return createScheduleLearner({ ...opts, stored });
}
