import { hashInt } from './seeded.js';

/** The service ids the simulator knows; anything else answers 404. */
export const SIM_SERVICE_RANGE = { min: 1000, max: 1999 } as const;

/** How the customer's device shows up as a ping host in WispHub: by its IP or by its MAC. */
export type DeviceHost = 'ip' | 'mac';

/** How a line behaves when pinged; the verdict is later derived from the packets, not from this. */
export type Scenario =
  | { outcome: 'stable' | 'intermittent' | 'no_internet' | 'antenna_only'; device: DeviceHost }
  /** `router_error`: every packet is a router error string; `task_failure`: the Celery task itself fails. */
  | { outcome: 'failed'; failure: 'router_error' | 'task_failure' }
  /** The task stays in PROCESS forever (a hung worker), so clients must give up on their own. */
  | { outcome: 'never' };

export type Outcome = Scenario['outcome'];

/** The documented scenarios (README lists them); every other id gets a derived one. */
export const FIXED_SCENARIOS: Readonly<Record<number, Scenario>> = {
  1001: { outcome: 'stable', device: 'ip' },
  1002: { outcome: 'intermittent', device: 'ip' },
  1003: { outcome: 'no_internet', device: 'ip' },
  1004: { outcome: 'failed', failure: 'router_error' },
  1005: { outcome: 'never' },
  1006: { outcome: 'stable', device: 'ip' },
  1007: { outcome: 'stable', device: 'mac' },
  1008: { outcome: 'antenna_only', device: 'ip' },
  1013: { outcome: 'stable', device: 'ip' },
};

/** True when the simulator has a client line with this id. */
export function serviceExists(serviceId: number): boolean {
  return Number.isInteger(serviceId) && serviceId >= SIM_SERVICE_RANGE.min && serviceId <= SIM_SERVICE_RANGE.max;
}

/**
 * The scenario of a service, or null when the service does not exist. Derived ids are mostly
 * stable, as a real network is, with some intermittent and a few no-internet, antenna-only and
 * failed lines; none hangs forever (only 1005 does), so a demo never stalls by accident.
 */
export function scenarioFor(serviceId: number): Scenario | null {
  if (!serviceExists(serviceId)) return null;
  const fixed = FIXED_SCENARIOS[serviceId];
  if (fixed) return fixed;
  const device: DeviceHost = hashInt(serviceId, 2) % 6 === 0 ? 'mac' : 'ip';
  const roll = hashInt(serviceId, 1) % 100;
  if (roll < 72) return { outcome: 'stable', device };
  if (roll < 84) return { outcome: 'intermittent', device };
  if (roll < 91) return { outcome: 'no_internet', device };
  if (roll < 96) return { outcome: 'antenna_only', device };
  return { outcome: 'failed', failure: hashInt(serviceId, 3) % 2 === 0 ? 'router_error' : 'task_failure' };
}
