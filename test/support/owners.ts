import type { Ownership } from '../../src/chat/owners.js';
import type { ReplicaBeat } from '../../src/store/ports.js';

/** The instant the heartbeats below are read at. */
export const BEATS_AT = 1_000_000;

/** This replica, as the owner rules see it: the test's "this host" is `here`; pid 666 is a process that died on it. */
export const ownership: Pick<Ownership, 'me' | 'staleAfterMs' | 'goneOnThisHost'> = {
  me: { id: 'me', pid: 1, host: 'here' },
  staleAfterMs: 15_000,
  goneOnThisHost: (r) => r.host === 'here' && r.pid === 666,
};

/** The other replicas' heartbeats at BEATS_AT: one alive, one silent for the whole TTL, one crashed on this host. */
export const beats: ReplicaBeat[] = [
  { id: 'alive', pid: 2, host: 'there', beatAt: BEATS_AT - 4_000 },
  { id: 'silent', pid: 3, host: 'there', beatAt: BEATS_AT - 15_000 },
  { id: 'crashed', pid: 666, host: 'here', beatAt: BEATS_AT - 1_000 },
];
