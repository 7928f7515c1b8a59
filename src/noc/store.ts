import type { LeaseHolder, NocStore as NocStorePort, OutboxItem as OutboxItemPort } from '../store/ports.js';
import type { Track } from './engine.js';
import type { Incident, NocEvent, ScopeKey, Silence } from './types.js';

/** The records the NOC keeps in the store (opaque to it, kept whole). */
export interface NocModel {
  silence: Silence;
  incident: Incident;
  event: NocEvent;
  track: Track;
}

/** What the NOC keeps: watch list, silences, the engine's state, incidents and the outbox (store/ports.ts). */
export type NocStore = NocStorePort<NocModel>;

/** One notification waiting in the outbox (written before sending, marked after). */
export type OutboxItem = OutboxItemPort<NocEvent>;

export type { LeaseHolder };

/** Whether a silence covers a scope (`all` covers everything). */
export function covers(s: Pick<Silence, 'scope'>, scope: ScopeKey): boolean {
  return s.scope === 'all' || s.scope === scope;
}
