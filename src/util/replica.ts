/**
 * Who this process is among the replicas on one store: a new id per process (a restart is a
 * new replica), with its pid and host so a process on the same machine can tell at once that it
 * is gone instead of waiting out a TTL.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface ReplicaId {
  id: string;
  pid: number;
  host: string;
}

export function thisProcess(): ReplicaId {
  return { id: randomUUID(), pid: process.pid, host: hostname() };
}

/** A replica on this machine whose process is gone (a pid on another host is never judged). */
export function goneOnThisHost(r: Pick<ReplicaId, 'pid' | 'host'>): boolean {
  if (r.host !== hostname()) return false;
  if (r.pid === process.pid) return true;
  try {
    process.kill(r.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
