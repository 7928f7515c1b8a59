/**
 * Which Ping API answered: the key that keeps one provider's answers (cached verdicts, client
 * cards, shared flights) apart from another's in a store several processes share. Two processes
 * talking to the same API with the same credentials get the same identity; another URL, another
 * kind of API or other credentials get another one. It never contains a secret.
 */
import { scryptSync } from 'node:crypto';
import type { PingApiAuth } from './auth.js';
import type { Secret } from '../util/secret.js';

/** A provider's identity, e.g. `wisphub:https://api.wisphub.net#3f9c0a51d2e4b786`. */
export type ProviderIdentity = string;

/** What identifies a provider: the API, where it is and who we are to it. */
export type ProviderSpec =
  | { kind: 'middleware'; url: string; auth: PingApiAuth }
  | { kind: 'wisphub'; url: string; key: Secret }
  /**
   * The built-in simulator: its port and credentials are made up at every start, so it is
   * named by its dialect alone (its clients and verdicts are the same in every process).
   */
  | { kind: 'sim'; dialect: string };

/**
 * `<kind>:<normalized base URL>#<credential fingerprint>` (`sim:<dialect>` for the simulator).
 * The fingerprint of no credential is `none`.
 */
export function providerIdentity(spec: ProviderSpec): ProviderIdentity {
  if (spec.kind === 'sim') return `sim:${spec.dialect}`;
  const { url, userinfo } = normalizeBaseUrl(spec.url);
  const parts: string[] = [];
  if (spec.kind === 'wisphub') parts.push('key', spec.key.reveal());
  else if (spec.auth.kind === 'key') parts.push('key', spec.auth.header.toLowerCase(), spec.auth.key.reveal());
  else if (spec.auth.kind === 'jwt') parts.push('jwt', spec.auth.username, spec.auth.password.reveal());
  // Credentials in the URL (https://user:pw@host) are credentials too: fingerprinted, never shown.
  if (userinfo) parts.push('url', userinfo);
  return `${spec.kind}:${url}#${parts.length === 0 ? 'none' : fingerprint(parts)}`;
}

/**
 * The base URL as the provider sees it: scheme and host lower-cased, default port, query,
 * fragment and trailing slashes dropped, credentials taken out (returned apart).
 */
export function normalizeBaseUrl(raw: string): { url: string; userinfo: string | null } {
  const u = new URL(raw.trim());
  const userinfo = u.username || u.password ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : null;
  const path = u.pathname.replace(/\/+$/, '');
  // URL already lower-cases the scheme and host and drops a default port.
  return { url: `${u.protocol}//${u.host}${path}`, userinfo };
}

const memo = new Map<string, string>();

/**
 * 16 hex digits from the credential. scrypt rather than a bare SHA-256: the identity is written
 * into the store, and a password (JWT login) may be weak; a fixed salt keeps it the same in
 * every process and replica. About 40 ms, once per process (memoized).
 */
function fingerprint(parts: readonly string[]): string {
  // Length-prefixed, so ('ab', 'c') and ('a', 'bc') differ.
  const input = parts.map((p) => `${p.length}:${p}`).join('|');
  let hex = memo.get(input);
  if (!hex) {
    hex = scryptSync(input, 'pingops/provider-identity/v1', 8).toString('hex');
    if (memo.size >= 16) memo.clear();
    memo.set(input, hex);
  }
  return hex;
}
