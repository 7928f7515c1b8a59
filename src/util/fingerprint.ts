import { scryptSync } from 'node:crypto';

const memo = new Map<string, string>();

/**
 * 16 hex digits from a credential, for a name written into the store that must be the same in
 * every process and replica with the same credential and never reveal it (the Ping API's
 * provider identity, the Slack edit budget's row). scrypt rather than a bare SHA-256: a password
 * (JWT login) may be weak; a fixed salt keeps it the same everywhere. About 40 ms, once per
 * process (memoized).
 */
export function fingerprint(parts: readonly string[]): string {
  // Length-prefixed, so ('ab', 'c') and ('a', 'bc') differ.
  const input = parts.map((p) => `${p.length}:${p}`).join('|');
  let hex = memo.get(input);
  if (!hex) {
    // The salt keeps its first name: another would rename every provider identity already stored.
    hex = scryptSync(input, 'pingops/provider-identity/v1', 8).toString('hex');
    if (memo.size >= 16) memo.clear();
    memo.set(input, hex);
  }
  return hex;
}
