/**
 * Scripted outages for the simulator (`SIM_OUTAGES`, `pingops noc --demo`, the NOC tests):
 * a router, zone or client goes down for a while, or flaps. Routers are derived from zones,
 * so the simulator's clients carry routers as WispHub's do.
 *
 * Script: rules separated by commas, each `<target>@<start>+<length>[~<half-period>]`:
 * - `router:42@20s+60s`: router 42 has no internet from 20 s after start for 60 s;
 * - `zone:3@1m+5m`: every client of zone 3;
 * - `client:1234@10s+2m~15s`: client 1234 flaps, 15 s down, 15 s up, for 2 min.
 */
import type { ClientRecord } from '../core/client.js';
import { parseDuration } from '../util/duration.js';
import type { Scenario } from './scenarios.js';
import { hashInt } from './seeded.js';

export interface OutageRule {
  target: { kind: 'router' | 'zone' | 'client'; id: number };
  fromMs: number;
  forMs: number;
  /** Flaps with this half-period instead of staying down. */
  flapMs: number | null;
}

export type ParsedOutages = { ok: true; rules: OutageRule[] } | { ok: false; error: string };

const RULE = /^(router|zone|client):(\d{1,9})@([^+~]+)\+([^~]+)(?:~(.+))?$/i;

/** Parses a script; the error names the rule that could not be read. */
export function parseOutages(text: string): ParsedOutages {
  const rules: OutageRule[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = RULE.exec(raw);
    const from = /^0+(ms|s|m|h|d)?$/i.test(m?.[3]?.trim() ?? '') ? 0 : parseDuration(m?.[3] ?? '');
    const length = parseDuration(m?.[4] ?? '');
    const flap = m?.[5] === undefined ? null : parseDuration(m[5]);
    if (!m || from === null || length === null || (m[5] !== undefined && flap === null)) {
      return { ok: false, error: `cannot read "${raw.slice(0, 60)}": expected e.g. router:42@20s+60s or client:1234@10s+2m~15s` };
    }
    rules.push({ target: { kind: (m[1] ?? 'client').toLowerCase() as OutageRule['target']['kind'], id: Number(m[2]) }, fromMs: from, forMs: length, flapMs: flap });
  }
  return { ok: true, rules };
}

/** Routers per zone in the simulator's network. */
const ROUTERS_PER_ZONE = 4;

/** The simulator's router of a client: one of its zone's four, stable per service id. */
export function simRouterOf(serviceId: number, zoneId: number): { id: number; name: string } {
  const n = (hashInt(serviceId, 31) % ROUTERS_PER_ZONE) + 1;
  return { id: zoneId * 10 + n, name: `RB-${zoneId}.${n}` };
}

/** The simulator's client card with its router, sector and zone name. */
export function withSimRouter(c: ClientRecord): ClientRecord {
  if (c.zoneId === null) return c;
  const router = simRouterOf(c.serviceId, c.zoneId);
  return { ...c, router: { ...router, generalFault: null }, sector: { id: router.id, name: `Sectorial ${router.name}` }, zoneName: `Zona ${c.zoneId}` };
}

/** A running script: which scenario replaces a client's own while a rule holds. */
export interface OutageScript {
  scenarioAt(serviceId: number, zoneId: number | null, now: number): Scenario | null;
}

export function createOutageScript(rules: readonly OutageRule[], startedAt: number): OutageScript {
  return {
    scenarioAt(serviceId, zoneId, now) {
      const t = now - startedAt;
      for (const r of rules) {
        if (t < r.fromMs || t >= r.fromMs + r.forMs) continue;
        const hit =
          (r.target.kind === 'client' && r.target.id === serviceId) ||
          (r.target.kind === 'zone' && r.target.id === zoneId) ||
          (r.target.kind === 'router' && zoneId !== null && simRouterOf(serviceId, zoneId).id === r.target.id);
        if (!hit) continue;
        if (r.flapMs !== null && Math.floor((t - r.fromMs) / r.flapMs) % 2 === 1) return { outcome: 'stable', device: 'ip' };
        return { outcome: 'no_internet', device: 'ip' };
      }
      return null;
    },
  };
}
