import type { ClientRecord } from '../core/client.js';
import type { Fault } from '../core/errors.js';

/** What a person typed, parsed: how to find the service id. */
export type Target =
  | { kind: 'service_id'; serviceId: number }
  | { kind: 'phone'; phone: string }
  | { kind: 'document'; document: string }
  | { kind: 'name'; query: string };

export type TargetError = 'empty' | 'too_long' | 'invalid_chars' | 'bad_id';

export type ParsedTarget = { ok: true; target: Target } | { ok: false; error: TargetError };

/** Where a target led. */
export type Resolution =
  | { kind: 'found'; client: ClientRecord }
  /** The look-ups were down but the person gave a service id: check it without a card. */
  | { kind: 'unverified'; serviceId: number; fault: Fault }
  | { kind: 'not_found'; target: Target }
  | { kind: 'ambiguous'; matches: ClientRecord[] }
  | { kind: 'unavailable'; fault: Fault }
  /** The look-up answered another service id than the one typed: refused, never pinged. */
  | { kind: 'mismatch'; serviceId: number; answered: number };

/** Turns targets into clients, with a short cache. */
export interface Directory {
  resolve(target: Target, opts?: { signal?: AbortSignal }): Promise<Resolution>;
  /** The cached client card for a service id, fetched when missing; null when unknown or unavailable. */
  client(serviceId: number, opts?: { signal?: AbortSignal }): Promise<ClientRecord | null>;
  /** Up to `limit` clients matching a partial name, phone, document or id, fast and never throwing (autocomplete). */
  suggest(query: string, opts?: { limit?: number; timeoutMs?: number }): Promise<ClientRecord[]>;
}

/** Client cards kept between processes (store/ports.ts). */
export type { ProviderCards, StoredCard } from '../store/ports.js';
