import { describe, expect, it } from 'vitest';
import { ownerGone, type Ownership } from '../../src/chat/owners.js';
import type { ReplicaBeat } from '../../src/store/ports.js';

const T = 1_000_000;
const o: Pick<Ownership, 'me' | 'staleAfterMs' | 'goneOnThisHost'> = {
  me: { id: 'me', pid: 1, host: 'here' },
  staleAfterMs: 15_000,
  // The test's "this host" is `here`; pid 666 is a process that died on it.
  goneOnThisHost: (r) => r.host === 'here' && r.pid === 666,
};
const beats: ReplicaBeat[] = [
  { id: 'alive', pid: 2, host: 'there', beatAt: T - 4_000 },
  { id: 'silent', pid: 3, host: 'there', beatAt: T - 15_000 },
  { id: 'crashed', pid: 666, host: 'here', beatAt: T - 1_000 },
];

describe('a check may be adopted only when its owner is gone (pure)', () => {
  it.each([
    ['a check of no owner (before owners, the CLI)', null, true],
    ['a check of this replica', 'me', false],
    ['a check of a replica that beat 4 s ago', 'alive', false],
    ['a check of a replica silent for the whole TTL', 'silent', true],
    ['a check of a process on this host that died a second ago', 'crashed', true],
    ['a check of a replica with no heartbeat row', 'unknown', true],
  ] as const)('%s: %s', (_why, owner, gone) => {
    expect(ownerGone(owner, o, beats, T)).toBe(gone);
  });
});
