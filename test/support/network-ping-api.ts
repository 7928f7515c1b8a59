import type { ApiVerdict, TaskResult } from '../../src/core/verdict.js';
import type { CallOptions, PingApi } from '../../src/core/ping-api.js';
import { seededRandom } from '../../src/sim/seeded.js';
import type { ManualClock } from './manual-clock.js';

/**
 * A Ping API on a modelled network, in virtual time: a task of N packets is ready after
 * N × 1 s plus 0.3-1.5 s, with the verdict the line had when the task was created. Every
 * request is counted (the NOC bench and tests read `requests`).
 */
export class NetworkPingApi implements PingApi {
  /** When each request arrived, in order. */
  requests: number[] = [];
  creates: { serviceId: number; at: number }[] = [];
  private tasks = new Map<string, { readyAt: number; verdict: ApiVerdict }>();
  private seq = 0;
  private random: () => number;

  constructor(
    private readonly clock: ManualClock,
    private readonly lineAt: (serviceId: number, t: number) => ApiVerdict,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  async createTask(serviceId: number, packets: number, opts?: CallOptions) {
    await opts?.beforeRequest?.(opts.signal);
    opts?.signal?.throwIfAborted();
    const now = this.clock.now();
    this.requests.push(now);
    this.creates.push({ serviceId, at: now });
    const id = `t${++this.seq}`;
    this.tasks.set(id, { readyAt: now + packets * 1000 + 300 + this.random() * 1200, verdict: this.lineAt(serviceId, now) });
    return { taskId: id };
  }

  async getResult(taskId: string, opts?: CallOptions): Promise<TaskResult> {
    await opts?.beforeRequest?.(opts.signal);
    opts?.signal?.throwIfAborted();
    const now = this.clock.now();
    this.requests.push(now);
    const t = this.tasks.get(taskId);
    if (!t) throw new Error(`unknown task ${taskId}`);
    if (now < t.readyAt) return { kind: 'pending', message: null };
    this.tasks.delete(taskId);
    return { kind: 'final', verdict: t.verdict, message: null, lossPct: null, rttMs: null };
  }

  async clientByServiceId() {
    return null;
  }
  async clientByDocument() {
    return null;
  }
  async clientByPhone() {
    return null;
  }
  async searchClients() {
    return [];
  }
  async health() {
    return true;
  }
}
