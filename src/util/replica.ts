/**
 * Who this process is among the replicas on one store: a new id per process (a restart is a
 * new replica), with its pid and where that pid means something, so a process in the same pid
 * space can tell at once that it is gone instead of waiting out a TTL.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ReplicaId {
  id: string;
  pid: number;
  /** The pid space (`pidSpace`): the host name, then on Linux the kernel's boot and the pid namespace. */
  host: string;
}

/**
 * Where a pid names a process: `<host name>/<boot id>/<pid namespace>` on Linux, else the host
 * name. The host name alone is not enough: two containers may share one (`network_mode: host`, a
 * fixed `hostname:`) while each sees only its own pids, both perhaps pid 1, and a pid from before a
 * reboot names nobody. Replicas in another pid space wait out the lease TTL instead.
 */
export function pidSpace(name = hostname(), read: (path: string) => string | null = readProc): string {
  const boot = read('/proc/sys/kernel/random/boot_id')?.trim().slice(0, 8);
  const ns = /\[(\d+)\]/.exec(read('/proc/self/ns/pid') ?? '')?.[1];
  return boot && ns ? `${name}/${boot}/${ns}` : name;
}

function readProc(path: string): string | null {
  try {
    return path.startsWith('/proc/self/ns/') ? readlinkSync(path) : readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const HERE = pidSpace();

export function thisProcess(): ReplicaId {
  return { id: randomUUID(), pid: process.pid, host: HERE };
}

/** A replica in this pid space whose process is gone (a pid seen from elsewhere is never judged). */
export function goneOnThisHost(r: Pick<ReplicaId, 'pid' | 'host'>): boolean {
  if (r.host !== HERE) return false;
  if (r.pid === process.pid) return true;
  try {
    process.kill(r.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
