import type { ClientRecord } from '../../src/core/client.js';
import type { TaskResult } from '../../src/core/verdict.js';
import type { CallOptions, PingApi } from '../../src/core/ping-api.js';

type Step = TaskResult | Error;

/**
 * An in-memory Ping API for virtual-time engine tests: no sockets, no timers, so a ManualClock
 * drives everything. The HTTP client itself is tested over real HTTP elsewhere.
 */
export class MemoryPingApi implements PingApi {
  createCalls: { serviceId: number; packets: number }[] = [];
  resultCalls: string[] = [];
  /** Thrown by createTask for these service ids. */
  createErrors = new Map<number, Error>();
  /** Answers per service id, in turn; the last one repeats. */
  scripts = new Map<number, Step[]>();
  private tasks = new Map<string, { serviceId: number; step: number }>();
  private seq = 0;

  constructor(private readonly budgetProbe?: (opts: CallOptions | undefined) => Promise<void>) {}

  async createTask(serviceId: number, packets: number, opts?: CallOptions) {
    await this.gate(opts);
    this.createCalls.push({ serviceId, packets });
    const err = this.createErrors.get(serviceId);
    if (err) throw err;
    const taskId = `task-${serviceId}-${++this.seq}`;
    this.tasks.set(taskId, { serviceId, step: 0 });
    return { taskId };
  }

  async getResult(taskId: string, opts?: CallOptions): Promise<TaskResult> {
    await this.gate(opts);
    this.resultCalls.push(taskId);
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`unknown task ${taskId}`);
    const script = this.scripts.get(task.serviceId) ?? [{ kind: 'final', verdict: 'stable', message: null, lossPct: null, rttMs: null }];
    const step = script[Math.min(task.step++, script.length - 1)];
    if (!step) throw new Error('empty script');
    if (step instanceof Error) throw step;
    return step;
  }

  private async gate(opts?: CallOptions) {
    opts?.signal?.throwIfAborted();
    await opts?.beforeRequest?.(opts.signal);
    await this.budgetProbe?.(opts);
    opts?.signal?.throwIfAborted();
  }

  async clientByServiceId(): Promise<ClientRecord | null> {
    return null;
  }
  async clientByDocument(): Promise<ClientRecord | null> {
    return null;
  }
  async clientByPhone(): Promise<ClientRecord | null> {
    return null;
  }
  async searchClients(): Promise<ClientRecord[]> {
    return [];
  }
  async health() {
    return true;
  }
}

export const pending = (message: string | null = null): TaskResult => ({ kind: 'pending', message });
export const final = (
  verdict: Extract<TaskResult, { kind: 'final' }>['verdict'],
  message: string | null = null,
  measured: { lossPct: number | null; rttMs: number | null } = { lossPct: null, rttMs: null },
): TaskResult => ({
  kind: 'final',
  verdict,
  message,
  ...measured,
});
